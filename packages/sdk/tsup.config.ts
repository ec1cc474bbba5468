import { defineConfig, type Options } from "tsup";

// ESM + CJS + types for each entry, with @gatehouse/tlog (a devDependency) bundled in, so the
// published package has no runtime dependencies. The main entry is built for the "neutral"
// platform: a node: import reaching it (directly or through tlog) fails the build. The verify
// entry is Node's. Two configs run side by side, so each cleans only its own files.
const shared: Options = { tsconfig: "tsconfig.build.json", format: ["esm", "cjs"], dts: true, target: "es2022", outDir: "dist", splitting: false, removeNodeProtocol: false };

export default defineConfig([
  { ...shared, entry: { index: "src/index.ts" }, platform: "neutral", clean: ["index.*"] },
  { ...shared, entry: { verify: "src/verify.ts" }, platform: "node", clean: ["verify.*"] },
]);

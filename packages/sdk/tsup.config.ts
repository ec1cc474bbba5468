import { defineConfig, type Options } from "tsup";

// ESM + CJS + types for each entry, with @gatehouse/tlog (a devDependency) bundled in, so the
// published package has no runtime dependencies. The main entry and the model-call entry (the code
// @gatehouse/openai and @gatehouse/anthropic share) are built for the "neutral" platform: a node:
// import reaching them (directly or through tlog) fails the build. They are one config so that their
// types share one declaration chunk (dist/client-<hash>.d.ts): the `Gatehouse` a user imports from
// the main entry is then the very class model-call's `ModelCalls` takes, where a second copy of it (its
// private fields make it nominal) would be a different type. The verify entry is Node's. Two configs
// run side by side, so neither cleans: tsup's clean of a config with types deletes every declaration file in
// dist, the other config's too (a fresh clone's CI lost dist/verify.d.ts that way). `npm run build` empties dist
// first instead.
const shared: Options = { tsconfig: "tsconfig.build.json", format: ["esm", "cjs"], dts: true, target: "es2022", outDir: "dist", splitting: false, removeNodeProtocol: false };

export default defineConfig([
  { ...shared, entry: { index: "src/index.ts", "model-call": "src/model-call.ts" }, platform: "neutral" },
  { ...shared, entry: { verify: "src/verify.ts" }, platform: "node" },
]);

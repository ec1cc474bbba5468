import { defineConfig } from "tsup";

// One ESM file for Node, its #! line kept; @gatehouse/sdk, yaml, zod and re2js stay imports (they are
// dependencies). @gatehouse/core (private: `policies test` runs its engine offline) is bundled in, with
// the @gatehouse/tlog it imports.
export default defineConfig({
  entry: ["src/bin.ts"],
  format: ["esm"],
  platform: "node",
  target: "node20",
  outDir: "dist",
  clean: true,
  removeNodeProtocol: false,
  noExternal: ["@gatehouse/core", "@gatehouse/tlog"],
});

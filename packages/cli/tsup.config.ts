import { defineConfig } from "tsup";

// One ESM file for Node, its #! line kept. The workspace packages it uses are bundled in, from their
// TypeScript source (the `@gatehouse/source` condition): @gatehouse/sdk (so the CLI's tarball installs
// on its own, before the SDK is published, and always runs the SDK it was built and tested with), and
// @gatehouse/core (private: `policies test` runs its engine offline) with the @gatehouse/tlog it imports.
// yaml, zod and re2js stay imports: they are the package's dependencies, from npm.
export default defineConfig({
  entry: ["src/bin.ts"],
  format: ["esm"],
  platform: "node",
  target: "node20",
  outDir: "dist",
  clean: true,
  removeNodeProtocol: false,
  noExternal: ["@gatehouse/sdk", "@gatehouse/core", "@gatehouse/tlog", "@gatehouse/mcp"],
  esbuildOptions(options) {
    options.conditions = ["@gatehouse/source"];
  },
});

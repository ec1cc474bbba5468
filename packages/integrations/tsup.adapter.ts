import { defineConfig, type Options } from "tsup";

/**
 * The build of every adapter in packages/integrations/: ESM + CJS + types of src/index.ts. The
 * framework and @gatehouse/sdk are peer dependencies, so neither is bundled. `platform`: "neutral"
 * for an adapter that runs wherever its framework does, "node" for one that spawns processes (mcp).
 */
export function adapterBuild(platform: NonNullable<Options["platform"]>) {
  return defineConfig({ entry: { index: "src/index.ts" }, format: ["esm", "cjs"], dts: true, target: "es2022", outDir: "dist", splitting: false, clean: true, platform });
}

import { defineConfig } from "tsup";

// One ESM file for Node, its #! line kept; @gatehouse/sdk and yaml stay imports (they are dependencies).
export default defineConfig({ entry: ["src/bin.ts"], format: ["esm"], platform: "node", target: "node20", outDir: "dist", clean: true, removeNodeProtocol: false });

// Import cycles across the whole repository: `npm run check:cycles`.
// Workspace packages (`@gatehouse/*`) resolve through their package.json `exports` to the real files
// under packages/ and apps/, so a cycle that runs through two packages is found like one inside a file
// tree. Which room may import which is the lint's job (eslint.config.js); this file only forbids cycles,
// and imports it cannot resolve (an unresolved import would hide the cycles behind it).
/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Modules must not depend on themselves through others: split the shared part into a module both import.",
      from: {},
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "Every import must resolve, or the cycle check cannot see past it.",
      from: {},
      // `server-only` is a marker module that Next.js supplies when it compiles the console.
      to: { couldNotResolve: true, pathNot: "^server-only$" },
    },
  ],
  options: {
    exclude: { path: "(^|/)(node_modules|\\.next|dist|\\.turbo|\\.gatehouse|test-results|coverage)/|^playwright/report/|^packages/db/src/generated/" },
    doNotFollow: { path: "(^|/)node_modules/" },
    // Type-only imports count: a cycle of types is still two modules that cannot be understood apart.
    tsPreCompilationDeps: true,
    // The console's `@/…` imports; no other tsconfig declares paths.
    webpackConfig: { fileName: `${__dirname}/.dependency-cruiser-resolve.cjs` },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      // "@gatehouse/source" first: workspace packages resolve to their TypeScript source, as tsc and vitest do.
      conditionNames: ["@gatehouse/source", "import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs", ".json", ".d.ts"],
      mainFields: ["module", "main", "types", "typings"],
    },
  },
};

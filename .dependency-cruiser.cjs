// Import cycles across the whole repository: `npm run check:cycles`.
// Workspace packages (`@gatehouse/*`) resolve through their package.json `exports` to the real files
// under packages/ and apps/, so a cycle that runs through two packages is found like one inside a file
// tree. Which room may import which is the lint's job (eslint.config.js); this file forbids cycles,
// imports it cannot resolve (an unresolved import would hide the cycles behind it), and an import
// against the order of packages/db's folders (DB_LAYERS below).

// The folders of packages/db/src in layers, lowest first (docs/architecture.md, "Who may import whom";
// ADR 0001). A file may import files of its own folder and of any folder in a lower layer; a folder of
// the same layer or of a higher one is refused (db-folder-order), and so is any import from or into a
// folder that stands in no layer (db-folder-unlisted). "." is the files in src/ itself (index.ts,
// seed.ts, migrate.ts, work-steps.ts). This list is the order: move code, or a folder, rather than bend it.
const DB_LAYERS = [
  ["infra"],
  ["snapshots", "auth", "mail", "rollups"],
  ["actors"],
  ["content", "events", "overview", "posture", "scan"],
  ["audit"],
  ["approvals", "health", "integrations", "orgs", "policies", "reports", "runs", "webhooks"],
  ["keys", "content-detectors"],
  ["agents", "delegations", "members"],
  ["accounts", "anomalies", "decisions", "invitations"],
  ["budgets", "policy-rollout", "mcp"],
  ["grants", "notifications"],
  ["cascades"],
  [".", "testing"],
  ["cli", "jobs"],
];

const DB_SRC = "^packages/db/src/";
/** A name of DB_LAYERS as a path under packages/db/src/: a folder, or "." for the files in src/ itself. */
const dbPlace = (name) => (name === "." ? "[^/]+$" : `${name}/`);

/** One rule per folder: it may not import a sibling of its layer, nor any folder of a higher layer. */
const dbFolderOrder = DB_LAYERS.flatMap((layer, index) =>
  layer.flatMap((name) => {
    const refused = [...layer.filter((other) => other !== name), ...DB_LAYERS.slice(index + 1).flat()];
    if (refused.length === 0) return []; // an empty group would match every path
    return {
      name: "db-folder-order",
      severity: "error",
      comment: `packages/db/src/${name === "." ? "" : `${name}/`} stands in layer ${index + 1} of ${DB_LAYERS.length} in DB_LAYERS (.dependency-cruiser.cjs): it imports only its own files and lower layers, never ${refused.join(", ")}. Move the code that is needed lower down, or the importing code higher up.`,
      from: { path: DB_SRC + dbPlace(name) },
      to: { path: `${DB_SRC}(${refused.map(dbPlace).join("|")})` },
    };
  }),
);

const dbListed = `${DB_SRC}(${DB_LAYERS.flat().map(dbPlace).join("|")})`;

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
    ...dbFolderOrder,
    {
      name: "db-folder-unlisted",
      severity: "error",
      comment: "Every folder of packages/db/src stands in a layer of DB_LAYERS (.dependency-cruiser.cjs): add the new folder to the layer above everything it imports.",
      from: { path: DB_SRC, pathNot: dbListed },
      to: { path: DB_SRC },
    },
    {
      name: "db-folder-unlisted",
      severity: "error",
      comment: "Every folder of packages/db/src stands in a layer of DB_LAYERS (.dependency-cruiser.cjs): add the new folder to the layer above everything it imports.",
      from: { path: DB_SRC },
      to: { path: DB_SRC, pathNot: dbListed },
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

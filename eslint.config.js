import tseslint from "typescript-eslint";

// ── Import boundaries ────────────────────────────────────────────────────────────────────────────
// Which room of the house may import which (docs/architecture.md, "The rooms"). A room is reached by
// its package name; a relative path that climbs into a room is forbidden wherever its name is.
// scripts/test/house/import-boundaries.test.ts lints sample imports against these rules, so they
// cannot quietly stop biting.

/** Every room: its folder and its package name. */
const ROOMS = {
  core: { dir: "packages/core", name: "@gatehouse/core" },
  tlog: { dir: "packages/tlog", name: "@gatehouse/tlog" },
  contracts: { dir: "packages/contracts", name: "@gatehouse/contracts" },
  db: { dir: "packages/db", name: "@gatehouse/db" },
  sdk: { dir: "packages/sdk", name: "@gatehouse/sdk" },
  cli: { dir: "packages/cli", name: "@gatehouse/cli" },
  api: { dir: "apps/api", name: "@gatehouse/api" },
  web: { dir: "apps/web", name: "@gatehouse/web" },
  worker: { dir: "apps/worker", name: "@gatehouse/worker" },
};

/** Packages that hold a database or Redis connection. */
const DATA_PACKAGES = ["@prisma/*", "prisma", "pg", "pg-*", "ioredis", "redis", "@electric-sql/*"];
/** The apps' frameworks: serving HTTP, rendering pages. The services in packages/db never see them. */
const HTTP_FRAMEWORKS = ["fastify", "@fastify/*", "next", "next-auth", "@auth/*", "react", "react-dom", "@tanstack/*"];
/** What only the server side of the house uses. */
const SERVER_PACKAGES = [...DATA_PACKAGES, ...HTTP_FRAMEWORKS];

const escape = (text) => text.replace(/[.+?^${}()|[\]\\]/g, "\\$&");

/** `pg` → the package and its subpaths; `pg-*` and `@scope/*` → every package so named. */
function packageRegex(pattern) {
  return pattern.endsWith("*") ? `^${escape(pattern.slice(0, -1))}` : `^${escape(pattern)}(/|$)`;
}

/** The package names of `rooms`, and relative paths into their folders (`../../db/src/…`, `…/apps/web/…`). */
function roomRegexes(rooms) {
  return rooms.flatMap((room) => {
    const { dir, name } = ROOMS[room];
    const folder = escape(dir.split("/")[1]);
    return [packageRegex(name), `^\\.\\.?/(.*/)?(${escape(dir)}|\\.\\./${folder}/(src|test))(/|$)`];
  });
}

const otherRooms = (...allowed) => Object.keys(ROOMS).filter((room) => !allowed.includes(room));

/**
 * One room's rule: `regexes` are forbidden in static imports and re-exports (`no-restricted-imports`,
 * type-only ones included) and in `import()` and `require()` (`no-restricted-syntax`). Globs must
 * not overlap: a later config object replaces an earlier one's options for the same rule.
 */
function boundary({ files, message, regexes }) {
  // esquery reads a regex up to its first slash: spell slashes as \x2F.
  const selector = regexes.map((regex) => `/${regex.replaceAll("/", "\\x2F")}/`);
  return {
    files,
    rules: {
      "no-restricted-imports": ["error", { patterns: regexes.map((regex) => ({ regex, message })) }],
      "no-restricted-syntax": [
        "error",
        ...selector.flatMap((re) => [
          { selector: `ImportExpression[source.value=${re}]`, message },
          { selector: `CallExpression[callee.name="require"][arguments.0.value=${re}]`, message },
        ]),
      ],
    },
  };
}

const boundaries = [
  boundary({
    files: ["packages/core/**"],
    message: "packages/core is the pure engine: it imports no server package and no room but @gatehouse/tlog.",
    regexes: [...SERVER_PACKAGES.map(packageRegex), "^@gatehouse/(?!tlog(/|$))", ...roomRegexes(otherRooms("core", "tlog"))],
  }),
  boundary({
    files: ["packages/tlog/src/**"],
    message: "packages/tlog has no dependencies: only node: builtins and its own files.",
    regexes: ["^(?!node:|\\.\\.?/)", ...roomRegexes(otherRooms("tlog"))],
  }),
  boundary({
    files: ["packages/tlog/test/**"],
    message: "packages/tlog imports nothing of ours and no server package.",
    regexes: ["^@gatehouse/", ...SERVER_PACKAGES.map(packageRegex), ...roomRegexes(otherRooms("tlog"))],
  }),
  boundary({
    files: ["packages/sdk/src/**"],
    message:
      "The SDK runs in the user's process: no server package, and of ours only @gatehouse/tlog and core's zod-free screen @gatehouse/core/model-traffic and rewrite-changes (all bundled at build time; ADR 0038). No re2js: an org's own detectors run in Gatehouse (POST /v1/scan).",
    regexes: [
      ...SERVER_PACKAGES.map(packageRegex),
      packageRegex("re2js"),
      "^@gatehouse/(?!tlog(/|$)|core/(model-traffic|rewrite-changes)$)",
      ...roomRegexes(otherRooms("sdk", "tlog", "core")),
      ...roomRegexes(["core"]).slice(1),
    ],
  }),
  boundary({
    files: ["packages/integrations/*/src/**"],
    message:
      "An adapter runs in the user's process and only translates its framework's seam: of ours it imports @gatehouse/sdk (a peer dependency), never a server package or another room.",
    // A relative path out of its own package would bundle another room's source into the tarball.
    regexes: [...SERVER_PACKAGES.map(packageRegex), "^@gatehouse/(?!sdk(/|$))", "^(\\.\\./){2,}", ...roomRegexes(otherRooms("sdk"))],
  }),
  boundary({
    files: ["packages/contracts/**"],
    message: "packages/contracts holds wire schemas: zod and @gatehouse/core, no server package.",
    regexes: [...SERVER_PACKAGES.map(packageRegex), "^@gatehouse/(?!core(/|$))", ...roomRegexes(otherRooms("contracts", "core"))],
  }),
  boundary({
    files: ["packages/cli/**"],
    message: "The CLI is a client: no server package, no database, no app.",
    regexes: [...SERVER_PACKAGES.map(packageRegex), ...roomRegexes(["db", "api", "web", "worker"])],
  }),
  boundary({
    files: ["packages/db/**"],
    message: "packages/db serves the apps and never imports one (nor their HTTP frameworks).",
    regexes: [...HTTP_FRAMEWORKS.map(packageRegex), ...roomRegexes(["api", "web", "worker"])],
  }),
  boundary({
    files: ["apps/api/**"],
    message: "Apps never import each other: share code through a package.",
    regexes: roomRegexes(["web", "worker"]),
  }),
  boundary({
    files: ["apps/web/**"],
    message: "Apps never import each other: share code through a package.",
    regexes: roomRegexes(["api", "worker"]),
  }),
  boundary({
    files: ["apps/worker/**"],
    message: "Apps never import each other: share code through a package.",
    regexes: roomRegexes(["api", "web"]),
  }),
];

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/generated/**", "**/.next/**", "**/dist/**", "test-results/**", "playwright/report/**", "**/next-env.d.ts"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/ban-ts-comment": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Environment is read and validated in one env.ts per app/package.
      "no-restricted-properties": ["error", { object: "process", property: "env", message: "Read configuration through the package's env.ts." }],
    },
  },
  {
    files: ["**/env.ts", "scripts/**", "**/test/**", "**/*.test.ts", "playwright/**", "bench/**", "*.config.ts", "*.config.js", "apps/web/*.config.*"],
    rules: { "no-restricted-properties": "off" },
  },
  ...boundaries,
);

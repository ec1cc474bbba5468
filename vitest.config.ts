import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";
import FirstFilesSequencer from "./scripts/test/sequencer";

// Unit projects (core, tlog, contracts, sdk, cli, web) and the checks on the house itself (house: lint rules)
// need nothing running. Integration projects (db, api, worker, packages) run against the PostgreSQL at DATABASE_URL
// and the Redis at REDIS_URL: globalSetup creates a fresh database for the run, migrates it and drops
// it afterwards; each suite then creates its own org.
const integration = {
  globalSetup: ["packages/db/test/global-setup.ts"],
  // The tripwire after the environment: each pooled connection refuses session-level SQL.
  setupFiles: ["packages/db/test/setup-env.ts", "packages/db/test/session-sql-tripwire.ts"],
  testTimeout: 30_000,
  // A suite's setup (an app, orgs, members and keys) shares the cores with the other workers' suites.
  hookTimeout: 120_000,
};

// Two files run side by side (issue 63), each on a database of its own (packages/db/test/global-setup.ts clones the
// project's migrated database once per worker), so one file's database-wide jobs never meet another's rows.
// VITEST_MAX_WORKERS=1 runs one at a time as before.
const MAX_WORKERS = Number(process.env.VITEST_MAX_WORKERS ?? 2);

// The files that hold a wall-clock bound (a latency, a p99 against the same run's, a deadline after a kill, a
// safety net on a pattern's time) run after everything else, one at a time, in the projects `bounded` and
// `pooled-bounded`: beside another file their bounds would measure the neighbour (issue 44 saw them fail on three
// workers). A new file with such a bound goes here (docs/testing.md).
const BOUNDED_SUITES = [
  "packages/core/test/content-detectors.test.ts",
  "packages/core/test/org-detectors.test.ts",
  "packages/core/test/pattern-sites.test.ts",
  "packages/cli/test/cli-policies.test.ts",
  "packages/db/test/decision-latency.test.ts",
  "packages/db/test/delegations.test.ts",
  "packages/db/test/jobs.test.ts",
  "packages/db/test/log-head-cut.test.ts",
  "packages/db/test/webhooks.test.ts",
  "packages/db/test/work-pool.test.ts",
  "apps/api/test/approvals-two-instances.test.ts",
  "apps/api/test/budgets-two-processes.test.ts",
  "apps/api/test/fairness.test.ts",
  "apps/api/test/gate-restart.test.ts",
  "apps/api/test/parser-bombs.test.ts",
  "apps/api/test/parser-bombs-process.test.ts",
  "apps/api/test/pattern-bombs.test.ts",
  "apps/api/test/revocation.test.ts",
  "apps/api/test/scan.test.ts",
  "apps/api/test/screen-fairness-process.test.ts",
  "apps/api/test/slack.test.ts",
  "apps/api/test/two-instances.test.ts",
  "apps/worker/test/metrics.test.ts",
  "apps/worker/test/worker.test.ts",
];

// What runs a second time through PgBouncer in transaction mode (the `pooled` project): the suites whose behaviour
// depends on what a server session holds, so a pooler that hands one connection to many clients can change it — the
// group commit (its statements unnamed there, its isolation of one refused item, a connection ended mid-batch) and the
// jobs' leadership and claims (a lease row, never a session lock). Every other integration suite runs once, directly,
// with the session-SQL tripwire (packages/db/test/session-sql-tripwire.ts) on every pooled connection: a statement
// that would outlive its transaction behind the pooler fails there, in whichever suite sends it (issue 63: before,
// 13 whole files ran again here, 231 tests, where only this could differ). Processes the suites spawn reach the
// pooler in the fault tests (failover and partition through PgBouncer, the worker beside them with every job).
const POOLED_SUITES = ["packages/db/test/batch-isolation.test.ts", "packages/db/test/jobs.test.ts"];

// Workspace packages that publish a build (@gatehouse/sdk) resolve to their TypeScript source, so
// no test needs a build first; the packages project tests the build itself.
const source = { ssr: { resolve: { conditions: ["@gatehouse/source", ...defaultServerConditions] } } };

// `isolate: false` (the unit projects and house): their files set nothing up before their imports and leave no
// environment, mock or global behind (a stub is undone in the file), so each worker loads the modules once for all of
// them instead of once per file (issue 63: core, tlog, contracts and web 54 s → 20 s; sdk, cli and house 67 s → 54 s).
// A file that must start from fresh modules belongs in an isolated project.

/** After every other project (groupOrder 0), one file at a time. */
const tail = (groupOrder: number) => ({ fileParallelism: false, sequence: { groupOrder } });

export default defineConfig({
  test: {
    maxWorkers: MAX_WORKERS,
    // The longest file first (scripts/test/sequencer.ts), then Vitest's order.
    sequence: { sequencer: FirstFilesSequencer },
    projects: [
      { test: { name: "core", include: ["packages/core/test/**/*.test.ts"], exclude: BOUNDED_SUITES, isolate: false } },
      { test: { name: "tlog", include: ["packages/tlog/test/**/*.test.ts"], isolate: false } },
      { test: { name: "contracts", include: ["packages/contracts/test/**/*.test.ts"], isolate: false } },
      { test: { name: "sdk", include: ["packages/sdk/test/**/*.test.ts"], isolate: false } },
      { ...source, test: { name: "cli", include: ["packages/cli/test/**/*.test.ts"], exclude: BOUNDED_SUITES, isolate: false } },
      // The console's pure helpers (formatting, what an audit entry says); the pages are Playwright's.
      { test: { name: "web", include: ["apps/web/test/**/*.test.ts"], isolate: false } },
      // source: the offline verifiers' table test runs the SDK's verify entry and the CLI beside the service.
      { ...source, test: { name: "db", include: ["packages/db/test/**/*.test.ts"], exclude: BOUNDED_SUITES, ...integration } },
      // With `source`: identity.test.ts runs the SDK and the CLI against the real API.
      { ...source, test: { name: "api", include: ["apps/api/test/**/*.test.ts"], exclude: ["apps/api/test/faults/**", ...BOUNDED_SUITES], ...integration } },
      // Fault injection (docs/adr/0011): kills, restarts and freezes API processes and private PostgreSQL
      // and Redis instances (never the shared ones), one file at a time.
      { test: { name: "faults", include: ["apps/api/test/faults/**/*.test.ts"], ...integration, fileParallelism: false, testTimeout: 120_000, hookTimeout: 120_000 } },
      { test: { name: "worker", include: ["apps/worker/test/**/*.test.ts"], exclude: BOUNDED_SUITES, ...integration } },
      // The suites that matter behind a pooler (issue 43), again, with every connection through a real PgBouncer in
      // transaction mode with its stock start-up settings (packages/db/test/pooled-global-setup.ts).
      {
        ...source,
        test: {
          name: "pooled",
          include: POOLED_SUITES,
          exclude: BOUNDED_SUITES,
          ...integration,
          globalSetup: ["packages/db/test/pooled-global-setup.ts"],
          setupFiles: ["packages/db/test/setup-env.ts", "packages/db/test/pooled-env.ts", "packages/db/test/session-sql-tripwire.ts"],
        },
      },
      // The files with wall-clock bounds, after the rest, one at a time (BOUNDED_SUITES); then those of them the
      // pooled project runs, through PgBouncer.
      { ...source, test: { name: "bounded", include: BOUNDED_SUITES, ...integration, ...tail(1) } },
      {
        ...source,
        test: {
          name: "pooled-bounded",
          include: POOLED_SUITES.filter((file) => BOUNDED_SUITES.includes(file)),
          ...integration,
          globalSetup: ["packages/db/test/pooled-global-setup.ts"],
          setupFiles: ["packages/db/test/setup-env.ts", "packages/db/test/pooled-env.ts", "packages/db/test/session-sql-tripwire.ts"],
          ...tail(2),
        },
      },
      // The adapters (packages/integrations/*): each framework's real agent loop with a scripted model, against a real API.
      { ...source, test: { name: "integrations", include: ["packages/integrations/*/test/**/*.test.ts"], ...integration } },
      // Builds, packs and installs the SDK and CLI outside the workspace, then runs them against a real API.
      { test: { name: "packages", include: ["scripts/packages/**/*.test.ts"], ...integration, testTimeout: 60_000, hookTimeout: 180_000 } },
      { test: { name: "house", include: ["scripts/test/house/**/*.test.ts"], testTimeout: 60_000, isolate: false } },
      // With `source`: npm start's smoke test runs the SDK against the embedded default. Its files run beside the others
      // (issue 63: before, one at a time after everything else): the console they start is built once, in the project's
      // global setup, so their own builds are cache hits and Next never sees two builds in one folder.
      {
        ...source,
        test: { name: "launcher", include: ["scripts/test/*.test.ts"], globalSetup: ["scripts/test/console-build.global-setup.ts"], testTimeout: 600_000, hookTimeout: 600_000 },
      },
    ],
  },
});

import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

// Unit projects (core, tlog, contracts, sdk, cli, web) and the checks on the house itself (house: lint rules)
// need nothing running. Integration projects (db, api, worker, packages) run against the PostgreSQL at DATABASE_URL
// and the Redis at REDIS_URL: globalSetup creates a fresh database for the run, migrates it and drops
// it afterwards; each suite then creates its own org.
const integration = {
  globalSetup: ["packages/db/test/global-setup.ts"],
  setupFiles: ["packages/db/test/setup-env.ts"],
  testTimeout: 30_000,
  // A suite's setup (an app, orgs, members and keys) shares the cores with the other workers' suites.
  hookTimeout: 120_000,
};

// How many files run side by side: Vitest's default (one fewer than the cores: one on a 2-core machine), unless
// VITEST_MAX_WORKERS says otherwise. Measured on 2 cores (issue 44): the db project takes 429 s on one worker (62 % of
// the CPU busy) and 288 s on three (98 %), but on three the suites with timing bounds (a gate across an API restart,
// two API processes sharing a budget, the worker's leader hand-over, the work pool's time limit) failed their
// bounds in a full run. They would have to run on their own first (as the fault tests do) before more workers can.

// What runs a second time through PgBouncer in transaction mode (the `pooled` project): decisions and canI,
// approvals and their waits across instances, grants, budgets, runs, loops, the group commit's isolation, and the
// worker's jobs with its one leader.
const POOLED_SUITES = [
  "apps/api/test/decisions.test.ts",
  "apps/api/test/actions.test.ts",
  "apps/api/test/approvals.test.ts",
  "apps/api/test/approvals-wait.test.ts",
  "apps/api/test/approvals-two-instances.test.ts",
  "apps/api/test/two-instances.test.ts",
  "apps/api/test/grants.test.ts",
  "apps/api/test/budgets.test.ts",
  "apps/api/test/runs.test.ts",
  "apps/api/test/loops.test.ts",
  "packages/db/test/batch-isolation.test.ts",
  "packages/db/test/jobs.test.ts",
  "apps/worker/test/worker.test.ts",
];

// Workspace packages that publish a build (@gatehouse/sdk) resolve to their TypeScript source, so
// no test needs a build first; the packages project tests the build itself.
const source = { ssr: { resolve: { conditions: ["@gatehouse/source", ...defaultServerConditions] } } };

export default defineConfig({
  test: {
    projects: [
      { test: { name: "core", include: ["packages/core/test/**/*.test.ts"] } },
      { test: { name: "tlog", include: ["packages/tlog/test/**/*.test.ts"] } },
      { test: { name: "contracts", include: ["packages/contracts/test/**/*.test.ts"] } },
      { test: { name: "sdk", include: ["packages/sdk/test/**/*.test.ts"] } },
      { ...source, test: { name: "cli", include: ["packages/cli/test/**/*.test.ts"] } },
      // The console's pure helpers (formatting, what an audit entry says); the pages are Playwright's.
      { test: { name: "web", include: ["apps/web/test/**/*.test.ts"] } },
      // source: the offline verifiers' table test runs the SDK's verify entry and the CLI beside the service.
      { ...source, test: { name: "db", include: ["packages/db/test/**/*.test.ts"], ...integration } },
      // With `source`: identity.test.ts runs the SDK and the CLI against the real API.
      { ...source, test: { name: "api", include: ["apps/api/test/**/*.test.ts"], exclude: ["apps/api/test/faults/**"], ...integration } },
      // Fault injection (docs/adr/0011): kills, restarts and freezes API processes and private PostgreSQL
      // and Redis instances (never the shared ones), one file at a time.
      { test: { name: "faults", include: ["apps/api/test/faults/**/*.test.ts"], ...integration, fileParallelism: false, testTimeout: 120_000, hookTimeout: 120_000 } },
      { test: { name: "worker", include: ["apps/worker/test/**/*.test.ts"], ...integration } },
      // The suites that matter behind a pooler (issue 43), again, with every connection through a real PgBouncer in
      // transaction mode with its stock start-up settings (packages/db/test/pooled-global-setup.ts).
      {
        ...source,
        test: {
          name: "pooled",
          include: POOLED_SUITES,
          ...integration,
          globalSetup: ["packages/db/test/pooled-global-setup.ts"],
          setupFiles: ["packages/db/test/setup-env.ts", "packages/db/test/pooled-env.ts"],
        },
      },
      // The adapters (packages/integrations/*): each framework's real agent loop with a scripted model, against a real API.
      { ...source, test: { name: "integrations", include: ["packages/integrations/*/test/**/*.test.ts"], ...integration } },
      // Builds, packs and installs the SDK and CLI outside the workspace, then runs them against a real API.
      { test: { name: "packages", include: ["scripts/packages/**/*.test.ts"], ...integration, testTimeout: 60_000, hookTimeout: 180_000 } },
      { test: { name: "house", include: ["scripts/test/house/**/*.test.ts"], testTimeout: 60_000 } },
      // With `source`: npm start's smoke test runs the SDK against the embedded default.
      { ...source, test: { name: "launcher", include: ["scripts/test/*.test.ts"], testTimeout: 600_000, hookTimeout: 600_000 } },
    ],
  },
});

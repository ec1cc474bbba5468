import { defineConfig } from "vitest/config";

// Unit projects (core, tlog, sdk) and the checks on the house itself (house: lint rules) need nothing
// running. Integration projects (db, api) run against the PostgreSQL at DATABASE_URL and the Redis at
// REDIS_URL: globalSetup creates a fresh database for the run, migrates it and drops it afterwards;
// each suite then creates its own org.
const integration = {
  globalSetup: ["packages/db/test/global-setup.ts"],
  setupFiles: ["packages/db/test/setup-env.ts"],
  testTimeout: 30_000,
  hookTimeout: 60_000,
};

export default defineConfig({
  test: {
    projects: [
      { test: { name: "core", include: ["packages/core/test/**/*.test.ts"] } },
      { test: { name: "tlog", include: ["packages/tlog/test/**/*.test.ts"] } },
      { test: { name: "contracts", include: ["packages/contracts/test/**/*.test.ts"] } },
      { test: { name: "sdk", include: ["packages/sdk/test/**/*.test.ts"] } },
      { test: { name: "db", include: ["packages/db/test/**/*.test.ts"], ...integration } },
      { test: { name: "api", include: ["apps/api/test/**/*.test.ts"], ...integration } },
      { test: { name: "house", include: ["scripts/test/house/**/*.test.ts"], testTimeout: 60_000 } },
      { test: { name: "launcher", include: ["scripts/test/*.test.ts"], testTimeout: 600_000, hookTimeout: 600_000 } },
    ],
  },
});

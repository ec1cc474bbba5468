import type { TestProject } from "vitest/node";
import { setupTestDatabase } from "./global-setup";

/**
 * The `pooled` project (issue 43; docs/deploying.md, "A pooler in transaction mode"): its suites — decisions,
 * approvals and their waits, grants, budgets, the worker's jobs and its one leader — run with every
 * connection through a real PgBouncer in transaction mode with its stock start-up settings, as
 * `DATABASE_POOL_MODE=transaction` processes would in production. The database is migrated directly
 * (migrations take a session lock: they never go through the pooler).
 */
export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return setupTestDatabase(project, { pooled: true });
}

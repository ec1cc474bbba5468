import { IDLE_IN_TRANSACTION_TIMEOUT_MS } from "../infra/client";
import { dbEnv, migrationTarget } from "../infra/env";
import { migrate, MigrationError } from "../migrate";

try {
  const env = dbEnv();
  const target = migrationTarget(env);
  if ("problem" in target) throw new MigrationError(target.problem);
  const result = await migrate({
    // As the owner (DATABASE_OWNER_URL), granting DATABASE_URL's role what the product does; or as the one role of both.
    ...target,
    log: (line) => console.log(`[migrate] ${line}`),
    // Behind a pooler in transaction mode the processes send no timeouts: the same bounds become the database's defaults.
    ...(env.DATABASE_POOL_MODE === "transaction"
      ? { sessionDefaults: { statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS, idleInTransactionTimeoutMs: IDLE_IN_TRANSACTION_TIMEOUT_MS } }
      : {}),
  });
  console.log(`[migrate] ${result.applied.length} applied, ${result.alreadyApplied.length} already applied`);
} catch (error) {
  console.error(`[migrate] ${error instanceof MigrationError ? error.message : (error as Error).message}`);
  process.exit(1);
}

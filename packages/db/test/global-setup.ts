import type { TestProject } from "vitest/node";
import { DEFAULT_SESSION_TIMEOUTS, migrate } from "../src/migrate";
import { checkStoredEntryTypes, createTestDatabase, freePort, startPgBouncer, type PgBouncer } from "../src/testing";

/**
 * One fresh, migrated database per test run (per project), dropped at the end. Before it is dropped,
 * every audit entry the run's scenarios wrote is parsed with the union of entry types
 * (docs/audit.md, Entry types): the run fails on a type, or a type's data, the union does not describe.
 * `pooled`: the project's connections go through a real PgBouncer in transaction mode in front of it
 * (pooled-global-setup.ts).
 */
export async function setupTestDatabase(project: TestProject, options: { pooled?: boolean } = {}): Promise<() => Promise<void>> {
  const base = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
  const database = await createTestDatabase(base, `gatehouse_${project.name}`);
  // Behind a pooler the timeouts are the database's defaults, as `DATABASE_POOL_MODE=transaction npm run db:migrate` sets them.
  await migrate({ url: database.url, ...(options.pooled ? { sessionDefaults: DEFAULT_SESSION_TIMEOUTS } : {}) });
  let bouncer: PgBouncer | undefined;
  if (options.pooled) {
    bouncer = await startPgBouncer({ databaseUrl: database.url, port: await freePort(), poolSize: 10, maxClients: 500 }).catch(async (error: unknown) => {
      await database.drop();
      throw error;
    });
  }
  project.provide("databaseUrl", bouncer?.url ?? database.url);
  return async () => {
    await bouncer?.stop();
    const report = await checkStoredEntryTypes(database.url).finally(() => database.drop());
    const types = Object.entries(report.types).sort(([a], [b]) => a.localeCompare(b));
    console.log(`[${project.name}] audit entry types written: ${types.map(([type, n]) => `${type} ×${n}`).join(", ") || "none"}`);
    if (report.undescribed.length > 0) {
      // Vitest reports an error thrown here but still exits 0: the exit code says it.
      process.exitCode = 1;
      throw new Error(
        `[${project.name}] audit entries the union of entry types does not describe (packages/core/src/audit/entry-types.ts):\n` +
          report.undescribed.map((u) => `  ${u.orgId} #${u.seq}: ${u.problem}`).join("\n"),
      );
    }
  };
}

export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return setupTestDatabase(project);
}

import type { TestProject } from "vitest/node";
import { hashPassword } from "@gatehouse/core";
import { DEFAULT_SESSION_TIMEOUTS, migrate } from "../src/migrate";
import { checkStoredEntryTypes, cloneTestDatabase, createTestDatabase, freePort, startPgBouncer, TEST_PASSWORD, type PgBouncer } from "../src/testing";

/**
 * Fresh, migrated databases per test run and project, dropped at the end: the project's database is migrated once,
 * then copied (a template) once per Vitest worker, so two files that run side by side never share a database and
 * a database-wide job one of them runs (expiry, retention, month drops, roll-ups) never meets the other's rows.
 * packages/db/test/setup-env.ts points each worker at its own. Before they are dropped, every audit entry the
 * run's scenarios wrote is parsed with the union of entry types (docs/audit.md, Entry types): the run fails on a
 * type, or a type's data, the union does not describe.
 * `pooled`: each worker's connections go through a real PgBouncer in transaction mode in front of its database
 * (pooled-global-setup.ts).
 * Also made here, once: TEST_PASSWORD's hash, which every test org's owner gets (createTestOrg).
 */
export async function setupTestDatabase(project: TestProject, options: { pooled?: boolean } = {}): Promise<() => Promise<void>> {
  const base = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
  const template = await createTestDatabase(base, `gatehouse_${project.name}`);
  const workers = Math.max(1, project.globalConfig.maxWorkers);
  const databases: Awaited<ReturnType<typeof cloneTestDatabase>>[] = [];
  const bouncers: PgBouncer[] = [];
  const stopBouncers = () => Promise.all(bouncers.map((bouncer) => bouncer.stop()));
  const dropAll = () => Promise.all([...databases, template].map((database) => database.drop()));
  try {
    // Behind a pooler the timeouts are the database's defaults, as `DATABASE_POOL_MODE=transaction npm run db:migrate` sets them.
    await migrate({ url: template.url, ...(options.pooled ? { sessionDefaults: DEFAULT_SESSION_TIMEOUTS } : {}) });
    for (let worker = 1; worker <= workers; worker++) databases.push(await cloneTestDatabase(base, template.name, `${template.name}_w${worker}`));
    if (options.pooled) {
      for (const database of databases) {
        // A copy does not take the template's database-level settings (the timeouts): migrating it again sets them.
        await migrate({ url: database.url, sessionDefaults: DEFAULT_SESSION_TIMEOUTS });
        bouncers.push(await startPgBouncer({ databaseUrl: database.url, port: await freePort(), poolSize: 10, maxClients: 500 }));
      }
    }
  } catch (error) {
    await stopBouncers();
    await dropAll();
    throw error;
  }
  project.provide(
    "databaseUrls",
    databases.map((database, i) => bouncers[i]?.url ?? database.url),
  );
  project.provide("testPasswordHash", await hashPassword(TEST_PASSWORD));
  return async () => {
    await stopBouncers();
    const reports = await Promise.all(databases.map((database) => checkStoredEntryTypes(database.url))).finally(dropAll);
    const counts = new Map<string, number>();
    for (const report of reports) for (const [type, n] of Object.entries(report.types)) counts.set(type, (counts.get(type) ?? 0) + n);
    const types = [...counts].sort(([a], [b]) => a.localeCompare(b));
    console.log(`[${project.name}] audit entry types written: ${types.map(([type, n]) => `${type} ×${n}`).join(", ") || "none"}`);
    const undescribed = reports.flatMap((report) => report.undescribed);
    if (undescribed.length > 0) {
      // Vitest reports an error thrown here but still exits 0: the exit code says it.
      process.exitCode = 1;
      throw new Error(
        `[${project.name}] audit entries the union of entry types does not describe (packages/core/src/audit/entry-types.ts):\n` +
          undescribed.map((u) => `  ${u.orgId} #${u.seq}: ${u.problem}`).join("\n"),
      );
    }
  };
}

export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return setupTestDatabase(project);
}

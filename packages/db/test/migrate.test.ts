import { cp, mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { migrate, MIGRATIONS_DIR, MigrationError, readMigrations } from "../src/migrate";
import { createTestDatabase, testDatabaseUrl } from "../src/testing";

const drops: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(drops.splice(0).map((drop) => drop()));
});

async function freshDatabase() {
  const database = await createTestDatabase(testDatabaseUrl(), "gatehouse_mig");
  drops.push(database.drop);
  return database;
}

async function copyOfMigrations(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "gh-migrations-"));
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("migration runner", () => {
  it("applies every migration once and records it the way Prisma does", async () => {
    const { url } = await freshDatabase();
    const files = await readMigrations();
    const first = await migrate({ url });
    expect(first.applied).toEqual(files.map((f) => f.name));
    const second = await migrate({ url });
    expect(second).toEqual({ applied: [], alreadyApplied: files.map((f) => f.name) });
    const rows = await query<{ migration_name: string; checksum: string; applied_steps_count: number; finished_at: Date | null }>(
      url,
      `SELECT migration_name, checksum, applied_steps_count, finished_at FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(rows.map((r) => [r.migration_name, r.checksum, r.applied_steps_count])).toEqual(files.map((f) => [f.name, f.checksum, 1]));
    expect(rows.every((r) => r.finished_at instanceof Date)).toBe(true);
  });

  it("refuses a migration whose file changed after it was applied", async () => {
    const { url } = await freshDatabase();
    const dir = await copyOfMigrations();
    await migrate({ url, dir });
    const [first] = await readMigrations(dir);
    await writeFile(join(dir, first!.name, "migration.sql"), `${first!.sql}\n-- edited\n`);
    await expect(migrate({ url, dir })).rejects.toThrow(/was modified after it was applied/);
  });

  it("rolls a failing migration back entirely and records nothing for it", async () => {
    const { url } = await freshDatabase();
    const dir = await copyOfMigrations();
    await mkdir(join(dir, "29990101000000_broken"));
    await writeFile(join(dir, "29990101000000_broken", "migration.sql"), `CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;\n`);
    await expect(migrate({ url, dir })).rejects.toBeInstanceOf(MigrationError);
    const tables = await query<{ n: string }>(url, `SELECT count(*)::text AS n FROM information_schema.tables WHERE table_name = 'half_done'`);
    expect(tables[0]?.n).toBe("0");
    const recorded = await query<{ migration_name: string }>(url, `SELECT migration_name FROM "_prisma_migrations"`);
    expect(recorded.map((r) => r.migration_name)).not.toContain("29990101000000_broken");
    // The good migrations before it stay applied.
    expect(recorded.length).toBe((await readMigrations()).length);
  });
});

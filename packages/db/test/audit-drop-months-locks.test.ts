import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { closeSignals } from "../src";
import { dropAuditMonths } from "../src/audit/drop-audit-months";
import { disconnectDb } from "../src/infra/client";
import { migrate } from "../src/migrate";
import { createTestDatabase, createTestOrg, testDatabaseUrl } from "../src/testing";

// Issue 62 (docs/adr/0044-owner-and-runtime-database-roles.md): the month drop reads what it checks before it takes
// audit_entries' exclusive lock, so appends to the current month never wait for a month's scan. Shown with the drop held
// at its read of the recorded starts (another session holds that table): while it waits there it holds no lock on
// audit_entries, and an org's appends go through.

let database: { url: string; name: string; drop: () => Promise<void> };
let observer: pg.Client;
let holder: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase(testDatabaseUrl(), "gatehouse_droplocks");
  await migrate({ url: database.url });
  process.env.DATABASE_URL = database.url;
  // The drop waits at the holder's lock for as long as the test needs (an org's creation, a few seconds on a busy machine):
  // no statement or query bound of this process's pool may end that wait first.
  process.env.DATABASE_STATEMENT_TIMEOUT_MS = "0";
  process.env.DATABASE_QUERY_TIMEOUT_MS = "0";
  observer = new pg.Client({ connectionString: database.url });
  holder = new pg.Client({ connectionString: database.url });
  await Promise.all([observer.connect(), holder.connect()]);
}, 60_000);

afterAll(async () => {
  await holder?.end();
  await observer?.end();
  await disconnectDb();
  await closeSignals();
  await database?.drop();
});

/** The backends of this database waiting for a lock, other than the holder. */
async function waiting(): Promise<number[]> {
  const { rows } = await observer.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' AND pid <> $2`, [
    database.name,
    (holder as pg.Client & { processID: number }).processID,
  ]);
  return rows.map((row) => row.pid);
}

describe("the month drop's locks", () => {
  it("holds no lock on audit_entries while it reads what it checks; an append to the current month goes through meanwhile", async () => {
    const [history] = (await observer.query<{ end: Date }>(`SELECT gatehouse_audit_history_end() AS end`)).rows;
    // The history partition (this month) is past its grace period two days after it ends; no org has entries yet.
    const now = new Date((history?.end as Date).getTime() + 2 * 86_400_000);
    await holder.query("BEGIN");
    await holder.query("LOCK TABLE audit_log_starts IN ACCESS EXCLUSIVE MODE");
    const run = dropAuditMonths({ now });
    const drop = await vi.waitFor(
      async () => {
        const pids = await waiting();
        expect(pids).toHaveLength(1);
        return pids[0] as number;
      },
      { timeout: 10_000, interval: 20 },
    );
    const held = await observer.query<{ relation: string; mode: string }>(
      `SELECT relation::regclass::text AS relation, mode FROM pg_locks WHERE pid = $1 AND granted AND locktype = 'relation' AND relation::regclass::text LIKE 'audit_entries%'`,
      [drop],
    );
    expect(held.rows).toEqual([]);
    // Another session appends to the current month (an org's creation writes its first entries) while the drop waits.
    const org = await createTestOrg({ label: "droplocks" });
    expect(await waiting()).toEqual([drop]);
    await holder.query("ROLLBACK");
    // The drop goes on: under the lock it finds the org's new entries above any recorded start and keeps the month.
    expect(await run).toEqual({
      dropped: [],
      orgs: 0,
      kept: {
        partition: "audit_entries_history",
        reason: "an org's entries in it lie above its recorded start (appended while it was being dropped); the next run tries again",
      },
    });
    const entries = await observer.query<{ n: string }>(`SELECT count(*)::text AS n FROM audit_entries WHERE org_id = $1`, [org.org.id]);
    expect(Number(entries.rows[0]?.n)).toBeGreaterThan(0);
  });
});

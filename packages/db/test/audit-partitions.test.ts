import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { appendAuditEntries } from "../src/audit/append-audit-entries";
import { checkpointAuditLog } from "../src/audit/checkpoint-audit-log";
import { ensureAuditPartitions } from "../src/audit/ensure-audit-partitions";
import { exportAuditLog } from "../src/audit/export-audit-log";
import { getAuditProof } from "../src/audit/get-audit-proof";
import { verifyAuditLog } from "../src/audit/verify-audit-log";
import { db, disconnectDb } from "../src/infra/client";
import { migrate, MIGRATIONS_DIR } from "../src/migrate";
import { closeSignals } from "../src";
import { createTestDatabase, createTestOrg, noteEntry, testDatabaseUrl, type TestOrg } from "../src/testing";

// Issue 47 (docs/adr/0042-audit-entries-partitioned-by-month.md): audit_entries becomes a table partitioned by month.
// A database with a log written before the migration is migrated under it: every row, proof and checkpoint stays what
// it was, the log goes on in month partitions the worker's job creates ahead, an entry no month covers lands in the
// default partition rather than failing, and every partition keeps the log's guards.

const MIGRATION = "20261209000100_audit_entries_partitioned";

let database: { url: string; drop: () => Promise<void> };
let admin: pg.Client;
let org: TestOrg;
let before: { rows: Row[]; proofs: unknown[]; checkpointNote: string };

interface Row {
  id: string;
  seq: string;
  canonical: string;
  leaf_hash: string;
  chain_hash: string;
  created_at: Date;
  part: string;
}

const rowsOf = async (orgId: string) =>
  (
    await admin.query<Row>(
      `SELECT id, seq::text AS seq, canonical, leaf_hash, chain_hash, created_at, tableoid::regclass::text AS part FROM audit_entries WHERE org_id = $1 ORDER BY audit_entries.seq`,
      [orgId],
    )
  ).rows;

let n = 0;
const append = (count: number) =>
  db().$transaction((tx) =>
    appendAuditEntries(
      tx,
      org.org.id,
      Array.from({ length: count }, () => noteEntry((n += 1), "partitions")),
    ),
  );

/** The UTC month `offset` months from now, as its partition's name. */
function monthPartition(offset: number): string {
  const now = new Date();
  const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
  return `audit_entries_y${month.getUTCFullYear()}m${String(month.getUTCMonth() + 1).padStart(2, "0")}`;
}
function midMonth(offset: number): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 15, 12));
}

beforeAll(async () => {
  database = await createTestDatabase(testDatabaseUrl(), "gatehouse_parts");
  const dir = await mkdtemp(join(tmpdir(), "gh-parts-"));
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  for (const name of (await readdir(dir)).filter((name) => name >= MIGRATION && name !== "migration_lock.toml")) {
    await rm(join(dir, name), { recursive: true });
  }
  // The database as it was before: every migration up to this one's, and this process's client on it.
  await migrate({ url: database.url, dir });
  await rm(dir, { recursive: true });
  process.env.DATABASE_URL = database.url;
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  org = await createTestOrg({ label: "partitions" });
  for (const batch of [3, 8, 5]) await append(batch);
  const checkpoint = await checkpointAuditLog(org.org.id);
  const rows = await rowsOf(org.org.id);
  before = {
    rows,
    proofs: await Promise.all([0, 5, rows.length - 1].map((seq) => getAuditProof({ ctx: org.ctx, input: { seq, treeSize: rows.length } }))),
    checkpointNote: checkpoint.note,
  };
  // The migration runs while this process's pool holds connections that already appended (as a rolling deploy's
  // running processes do).
  await migrate({ url: database.url });
}, 120_000);

afterEach(() => {
  vi.useRealTimers();
});
afterAll(async () => {
  await admin?.end();
  await disconnectDb();
  await closeSignals();
  await database?.drop();
});

describe(`migration ${MIGRATION}`, () => {
  it("leaves every entry as it was, in the history partition, with the same proofs and checkpoint", async () => {
    const after = await rowsOf(org.org.id);
    expect(after).toEqual(before.rows.map((row) => ({ ...row, part: "audit_entries_history" })));
    for (const [i, seq] of [0, 5, before.rows.length - 1].entries()) {
      expect(await getAuditProof({ ctx: org.ctx, input: { seq, treeSize: before.rows.length } })).toEqual(before.proofs[i]);
    }
    const { rows } = await admin.query<{ note: string }>(`SELECT note FROM checkpoints WHERE org_id = $1 ORDER BY tree_size DESC LIMIT 1`, [org.org.id]);
    expect(rows[0]?.note).toBe(before.checkpointNote);
    const verification = await verifyAuditLog({ ctx: org.ctx });
    expect(verification).toMatchObject({ valid: true, checkedEntries: before.rows.length, problem: null });
  });

  it("makes audit_entries a table partitioned by month: history, this month's successors ahead, and a default", async () => {
    const { rows } = await admin.query<{ part: string; bound: string }>(
      `SELECT c.relname AS part, pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
       WHERE h.inhparent = 'audit_entries'::regclass ORDER BY c.relname`,
    );
    const parts = rows.map((row) => row.part);
    expect(parts).toEqual(["audit_entries_default", "audit_entries_history", monthPartition(1), monthPartition(2), monthPartition(3)].sort());
    expect(rows.find((row) => row.part === "audit_entries_default")?.bound).toBe("DEFAULT");
    expect(rows.find((row) => row.part === "audit_entries_history")?.bound).toMatch(/^FOR VALUES FROM \(MINVALUE\) TO \('.+'\)$/);
  });
});

describe("the log across partitions", () => {
  it("appends next month's entries to next month's partition, and the log verifies and proves across them", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(midMonth(1));
    await append(4);
    vi.useRealTimers();
    const rows = await rowsOf(org.org.id);
    expect(rows.slice(-4).map((row) => row.part)).toEqual(Array(4).fill(monthPartition(1)));
    // The chain runs on from the history's last entry.
    expect(rows.map((row) => Number(row.seq))).toEqual(rows.map((_, i) => i));
    expect(await verifyAuditLog({ ctx: org.ctx })).toMatchObject({ valid: true, checkedEntries: rows.length, problem: null });
    const proof = await getAuditProof({ ctx: org.ctx, input: { seq: 2, treeSize: rows.length } });
    expect(proof).toMatchObject({ type: "inclusion", seq: 2, entryId: rows[2]?.id, treeSize: rows.length });
    // An export bounded to next month reads that month only, in order.
    const exported = await exportAuditLog({ ctx: org.ctx, input: { from: `${midMonth(1).toISOString().slice(0, 7)}-01T00:00:00.000Z` } });
    let text = "";
    for await (const chunk of exported.chunks) text += chunk;
    const leaves = text
      .split("\n")
      .filter((line) => line.startsWith('{"type":"entry"'))
      .map((line) => (JSON.parse(line) as { leafHash: string }).leafHash);
    expect(leaves).toEqual(rows.slice(-4).map((row) => row.leaf_hash));
  });

  it("puts an entry no month partition covers in the default partition; that month then gets none, and the job says so", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(midMonth(5));
    await append(1);
    vi.useRealTimers();
    expect((await rowsOf(org.org.id)).at(-1)?.part).toBe("audit_entries_default");
    // Month 4 is created; month 5 holds rows in the default partition, so it is named and left out.
    await expect(ensureAuditPartitions({ monthsAhead: 5 })).rejects.toThrow(
      `audit_entries_default holds entries of ${monthPartition(5)}, which therefore get no partition; move them with SELECT gatehouse_audit_fold_default()`,
    );
    const { rows } = await admin.query<{ part: string }>(`SELECT relname AS part FROM pg_class WHERE relname = ANY($1::text[])`, [[monthPartition(4), monthPartition(5)]]);
    expect(rows.map((row) => row.part)).toEqual([monthPartition(4)]);
    expect(await verifyAuditLog({ ctx: org.ctx })).toMatchObject({ valid: true, problem: null });
  });

  it("gatehouse_audit_fold_default() moves the default partition's rows, byte for byte, into partitions of their months", async () => {
    const before = await rowsOf(org.org.id);
    const { rows } = await admin.query<{ made: string[] }>(`SELECT gatehouse_audit_fold_default() AS made`);
    expect(rows[0]?.made).toEqual([monthPartition(5)]);
    const after = await rowsOf(org.org.id);
    expect(after.map(({ part: _part, ...row }) => row)).toEqual(before.map(({ part: _part, ...row }) => row));
    expect(after.at(-1)?.part).toBe(monthPartition(5));
    expect((await admin.query(`SELECT 1 FROM audit_entries_default`)).rowCount).toBe(0);
    // The new default partition has its guards, and the job runs clean again.
    await expect(admin.query(`TRUNCATE audit_entries_default`)).rejects.toThrow(/append-only/);
    expect(await ensureAuditPartitions({ monthsAhead: 5 })).toEqual({ created: [] });
    expect(await verifyAuditLog({ ctx: org.ctx })).toMatchObject({ valid: true, problem: null });
  });

  it("the job creates each month once, and refuses a horizon out of range", async () => {
    expect(await ensureAuditPartitions()).toEqual({ created: [] });
    await expect(ensureAuditPartitions({ monthsAhead: 25 })).rejects.toThrow("months ahead must be between 0 and 24, not 25");
  });
});

describe("every partition keeps the log's guards", () => {
  // Partitions holding the org's rows (a DELETE or UPDATE that matches no row fires no row trigger); the default
  // partition, empty since the fold, is checked for its triggers in audit-truncate-guards.test.ts.
  const partitions = () => ["audit_entries_history", monthPartition(1), monthPartition(5)];

  it.each(["TRUNCATE", "DELETE", "UPDATE"])("%s on a partition by name is refused", async (op) => {
    for (const part of partitions()) {
      const statement =
        op === "TRUNCATE" ? `TRUNCATE "${part}"` : op === "DELETE" ? `DELETE FROM "${part}" WHERE org_id = $1` : `UPDATE "${part}" SET type = 'x' WHERE org_id = $1`;
      await expect(admin.query(statement, op === "TRUNCATE" ? [] : [org.org.id]), `${op} ${part}`).rejects.toThrow(/is not allowed: the audit log is append-only/);
    }
  });

  it("a second entry with a seq its org already has is refused in the partition that holds it", async () => {
    const [first] = await rowsOf(org.org.id);
    await expect(
      admin.query(
        `INSERT INTO audit_entries (id, org_id, seq, type, actor_type, actor_id, canonical, leaf_hash, chain_hash, created_at)
         VALUES ('aud_dup', $1, 0, 'x', 'system', 'x', '{}', 'x', 'x', $2)`,
        [org.org.id, first?.created_at],
      ),
    ).rejects.toThrow(/duplicate key value violates unique constraint "audit_entries_history_org_id_seq_key"/);
  });
});

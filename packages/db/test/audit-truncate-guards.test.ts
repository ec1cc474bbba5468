import { readFileSync } from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// docs/audit.md names the tables the database keeps append-only; the database's own triggers are the
// truth. The two must name the same tables, for UPDATE, DELETE and TRUNCATE alike, so they cannot drift.
// (audit_entries' UPDATE trigger refuses everything but a field's erasure: docs/adr/0023-erasure.md. audit_log_starts
// refuses DELETE and TRUNCATE, and its UPDATE trigger only a start moved back: docs/audit.md, Dropping old months.)

const DOC = new URL("../../../docs/audit.md", import.meta.url);

/** The tables the docs' sentence "The database refuses `UPDATE`, `DELETE` and `TRUNCATE` on …" names. */
function documentedTables(): string[] {
  const text = readFileSync(DOC, "utf8").replace(/\s+/g, " ");
  const sentence = text.match(/The database refuses `UPDATE`, `DELETE` and `TRUNCATE` on ((?:`[a-z_]+`(?:, | and )?)+)/);
  if (!sentence?.[1]) throw new Error("docs/audit.md no longer says which tables refuse UPDATE, DELETE and TRUNCATE");
  return [...sentence[1].matchAll(/`([a-z_]+)`/g)].map((m) => m[1] as string).sort();
}

/** The tables the docs' sentence "It refuses `DELETE` and `TRUNCATE` on … too" names beside those. */
function documentedKeptTables(): string[] {
  const text = readFileSync(DOC, "utf8").replace(/\s+/g, " ");
  const sentence = text.match(/It refuses `DELETE` and `TRUNCATE` on ((?:`[a-z_]+`(?:, | and )?)+) too/);
  if (!sentence?.[1]) throw new Error("docs/audit.md no longer says which other tables refuse DELETE and TRUNCATE");
  return [...sentence[1].matchAll(/`([a-z_]+)`/g)].map((m) => m[1] as string).sort();
}

// pg_trigger.tgtype bits (PostgreSQL's trigger.h): BEFORE 2, DELETE 8, UPDATE 16, TRUNCATE 32.
const GUARDED = `
  SELECT COALESCE(pg_partition_root(c.oid), c.oid)::regclass::text AS table_name, c.relname AS part, t.tgtype::int AS type
  FROM pg_trigger t
  JOIN pg_class c ON c.oid = t.tgrelid
  JOIN pg_proc p ON p.oid = t.tgfoid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND n.nspname = current_schema()
    AND p.proname IN ('gatehouse_refuse_change', 'gatehouse_audit_erasure_only')`;

let client: pg.Client;

beforeAll(async () => {
  client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
});
afterAll(async () => {
  await client.end();
});

/** The tables (a partition counting as its partitioned table) with a BEFORE trigger refusing the operation `bit`. */
async function tablesGuardedAgainst(bit: number): Promise<string[]> {
  const { rows } = await client.query<{ table_name: string; type: number }>(GUARDED);
  return [...new Set(rows.filter((r) => (r.type & 2) !== 0 && (r.type & bit) !== 0).map((r) => r.table_name))].sort();
}

/** audit_entries' partitions (docs/adr/0042-audit-entries-partitioned-by-month.md) with a BEFORE trigger refusing `bit`, and without. */
async function partitionsGuardedAgainst(bit: number): Promise<{ guarded: string[]; all: string[] }> {
  const { rows } = await client.query<{ part: string; type: number }>(GUARDED);
  const all = await client.query<{ part: string }>(
    `SELECT c.relname AS part FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid WHERE h.inhparent = 'audit_entries'::regclass`,
  );
  const guarded = new Set(rows.filter((r) => (r.type & 2) !== 0 && (r.type & bit) !== 0).map((r) => r.part));
  return {
    guarded: all.rows
      .map((r) => r.part)
      .filter((part) => guarded.has(part))
      .sort(),
    all: all.rows.map((r) => r.part).sort(),
  };
}

describe("the append-only audit tables: docs/audit.md and the database agree", () => {
  it("the docs name the log's tables: its entries, its tree, its checkpoints and their cosignatures", () => {
    expect(documentedTables()).toEqual(["audit_entries", "checkpoint_cosignatures", "checkpoints", "merkle_nodes"]);
  });

  it("the docs name the log's start beside them, kept but moved forward", () => {
    expect(documentedKeptTables()).toEqual(["audit_log_starts"]);
  });

  it.each([
    ["TRUNCATE", 32, true],
    ["UPDATE", 16, false],
    ["DELETE", 8, true],
  ])("the tables with a trigger refusing %s are exactly the documented ones", async (_op, bit, kept) => {
    expect(await tablesGuardedAgainst(bit)).toEqual([...documentedTables(), ...(kept ? documentedKeptTables() : [])].sort());
  });

  it.each([
    ["TRUNCATE", 32],
    ["UPDATE", 16],
    ["DELETE", 8],
  ])("every partition of audit_entries has its own trigger refusing %s (a statement trigger is not inherited)", async (_op, bit) => {
    const { guarded, all } = await partitionsGuardedAgainst(bit);
    expect(all).toEqual(expect.arrayContaining(["audit_entries_default", "audit_entries_history"]));
    expect(guarded).toEqual(all);
  });

  it.each(["audit_entries", "merkle_nodes", "checkpoints"])("TRUNCATE %s is refused (and rolled back either way)", async (table) => {
    await client.query("BEGIN");
    try {
      // Never wait behind the other suites' appends for long: the refusal comes right after the lock.
      await client.query("SET LOCAL lock_timeout = '10s'");
      await expect(client.query(`TRUNCATE "${table}"`)).rejects.toThrow(`TRUNCATE on ${table} is not allowed: the audit log is append-only`);
    } finally {
      await client.query("ROLLBACK");
    }
  });
});

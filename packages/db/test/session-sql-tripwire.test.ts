import fc from "fast-check";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { disconnectDb } from "../src";
import { db } from "../src/infra/client";
import { testDatabaseUrl } from "../src/testing";
import { sessionLevelSql } from "../src/testing/session-sql";

// The session-SQL tripwire (issue 63): only the session-sensitive suites run through a real PgBouncer in transaction
// mode, so every other integration suite's pooled connections refuse SQL whose effect outlives its transaction
// (packages/db/test/session-sql-tripwire.ts, a setup file of every integration project). Here: what counts, that the
// service's own pool refuses it before sending it, and that the connections that may hold a session (the migration
// runner's, a direct client) are left alone.

afterAll(async () => {
  await disconnectDb();
});

const SESSION_LEVEL = [
  "SET statement_timeout = 1000",
  "set search_path to public",
  "SET SESSION idle_in_transaction_session_timeout = '1s'",
  "RESET statement_timeout",
  "RESET ALL",
  "LISTEN approvals",
  "UNLISTEN *",
  "PREPARE q AS SELECT 1",
  "EXECUTE q",
  "DEALLOCATE q",
  "DISCARD ALL",
  "CREATE TEMP TABLE t (id int)",
  "CREATE TEMPORARY TABLE t AS SELECT 1",
  "DECLARE c CURSOR WITH HOLD FOR SELECT 1",
  "SELECT pg_advisory_lock(42)",
  "SELECT pg_try_advisory_lock(1, 2)",
  "SELECT pg_advisory_lock_shared(7)",
  "SELECT pg_advisory_unlock(42)",
  "SELECT pg_advisory_unlock_all()",
  "SELECT set_config('statement_timeout', '1000', false)",
];

const TRANSACTION_SCOPED = [
  "SELECT 1",
  "SET LOCAL statement_timeout = 1000",
  "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
  "SET CONSTRAINTS ALL DEFERRED",
  "SELECT set_config('idle_in_transaction_session_timeout', '500', true) AS idle_bound",
  "SELECT pg_advisory_xact_lock(42)",
  "SELECT pg_try_advisory_xact_lock(42)",
  "CREATE TEMP TABLE t (id int) ON COMMIT DROP",
  "DECLARE c CURSOR FOR SELECT 1",
  "UPDATE agents SET last_seen_at = now() WHERE id = $1",
  "INSERT INTO x (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET a = EXCLUDED.a",
  "SELECT 'SET statement_timeout = 1; LISTEN x' AS text",
  "SELECT 1 -- SET statement_timeout = 1\n",
  "SELECT /* pg_advisory_lock(1) */ 1",
  "DO $$ BEGIN EXECUTE 'SELECT 1'; END $$",
];

describe("what the tripwire counts as session-level", () => {
  it.each(SESSION_LEVEL)("%s", (text) => {
    expect(sessionLevelSql(text)).toBeDefined();
  });

  it.each(TRANSACTION_SCOPED)("not: %s", (text) => {
    expect(sessionLevelSql(text)).toBeUndefined();
  });

  it("a session-level statement is found anywhere among transaction-scoped ones, and one only quoted or commented never counts", () => {
    const scoped = fc.constantFrom(...TRANSACTION_SCOPED.filter((text) => !text.includes("--")));
    const session = fc.constantFrom(...SESSION_LEVEL);
    fc.assert(
      fc.property(fc.array(scoped, { maxLength: 4 }), session, fc.array(scoped, { maxLength: 4 }), (before, planted, after) => {
        expect(sessionLevelSql([...before, planted, ...after].join("; "))).toBeDefined();
        const hidden = [...before, `SELECT '${planted.replaceAll("'", "''")}'`, `/* ${planted} */ SELECT 1`, ...after].join("; ");
        expect(sessionLevelSql(hidden)).toBeUndefined();
      }),
    );
  });
});

describe("the service's pool refuses it before sending it", () => {
  it("through pg (the hot path's raw SQL) and through Prisma, naming what it was; the session keeps its settings", async () => {
    const before = (await db().pool.query<{ statement_timeout: string }>("SHOW statement_timeout")).rows[0]!.statement_timeout;
    await expect(db().pool.query("SET statement_timeout = 1")).rejects.toThrow(/session-level SQL on a pooled connection: a session setting/);
    await expect(db().$executeRawUnsafe("SELECT pg_advisory_lock(42)")).rejects.toThrow(/session advisory lock/);
    const client = await db().pool.connect();
    try {
      await expect(client.query("LISTEN approvals")).rejects.toThrow(/a listener/);
      expect((await client.query<{ statement_timeout: string }>("SHOW statement_timeout")).rows[0]!.statement_timeout).toBe(before);
    } finally {
      client.release();
    }
  });

  it("lets the transaction's own forms through", async () => {
    const rows = await db().$transaction(async (tx) => {
      await tx.$executeRawUnsafe("SET LOCAL statement_timeout = 5000");
      await tx.$executeRawUnsafe("SELECT pg_advisory_xact_lock(4242)");
      return tx.$queryRawUnsafe<Array<{ statement_timeout: string }>>("SHOW statement_timeout");
    });
    expect(rows[0]!.statement_timeout).toBe("5s");
  });

  it("leaves a direct connection alone: the migration runner holds its session lock on one", async () => {
    const client = new pg.Client({ connectionString: testDatabaseUrl() });
    await client.connect();
    try {
      await client.query("SELECT pg_advisory_lock(4343)");
      await client.query("SELECT pg_advisory_unlock(4343)");
    } finally {
      await client.end();
    }
  });
});

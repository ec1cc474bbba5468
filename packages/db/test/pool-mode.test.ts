import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { poolConfig, timeoutsInForce } from "../src/infra/client";
import { DEFAULT_SESSION_TIMEOUTS, migrate } from "../src/migrate";
import { createTestDatabase, freePort, type PgBouncer, startPgBouncer, testDatabaseUrl } from "../src/testing";

// DATABASE_POOL_MODE (issue 43; docs/deploying.md): through PgBouncer in transaction mode with its stock start-up
// settings, a pool that sends the timeouts as start-up parameters is refused, one in transaction mode is let in, and
// the timeouts still hold there — as the database's defaults, which the migration runner sets.

const pools: pg.Pool[] = [];
const cleanups: Array<() => Promise<void>> = [];

/** A scratch database, migrated with `timeouts` as its defaults (or not migrated at all), behind a PgBouncer of its own. */
async function pooledDatabase(timeouts: { statementTimeoutMs: number; idleInTransactionTimeoutMs: number } | "none"): Promise<PgBouncer> {
  const database = await createTestDatabase(testDatabaseUrl(), "gatehouse_poolmode");
  cleanups.push(() => database.drop());
  if (timeouts !== "none") await migrate({ url: database.url, sessionDefaults: timeouts });
  const bouncer = await startPgBouncer({ databaseUrl: database.url, port: await freePort(), poolSize: 2 });
  // Cleanups run in order: the PgBouncer in front of a database before the database.
  cleanups.unshift(() => bouncer.stop());
  return bouncer;
}

function pool(url: string, mode: "session" | "transaction"): pg.Pool {
  const created = new pg.Pool(poolConfig(url, 2, { poolMode: mode, connectTimeoutMs: 5_000 }));
  created.on("error", () => {});
  pools.push(created);
  return created;
}

let defaults: PgBouncer;
let short: PgBouncer;

beforeAll(async () => {
  [defaults, short] = await Promise.all([pooledDatabase(DEFAULT_SESSION_TIMEOUTS), pooledDatabase({ statementTimeoutMs: 300, idleInTransactionTimeoutMs: 1_500 })]);
}, 60_000);

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end().catch(() => {})));
  for (const cleanup of cleanups) await cleanup();
});

describe("a pooler in transaction mode (DATABASE_POOL_MODE)", () => {
  it("session mode sends the timeouts as start-up parameters, which a stock PgBouncer refuses", async () => {
    await expect(pool(defaults.url, "session").query("SELECT 1")).rejects.toThrow(/unsupported startup parameter/i);
  });

  it("transaction mode sends none, and the migration's defaults are the session's timeouts", async () => {
    const { rows } = await pool(defaults.url, "transaction").query<{ statement: string; idle: string }>(
      "SELECT current_setting('statement_timeout') AS statement, current_setting('idle_in_transaction_session_timeout') AS idle",
    );
    expect(rows[0]).toEqual({ statement: "15s", idle: "1min" });
  });

  it("a statement past the statement timeout is cancelled through the pooler", async () => {
    await expect(pool(short.url, "transaction").query("SELECT pg_sleep(2)")).rejects.toMatchObject({ code: "57014" });
  });

  it("a transaction left idle past the idle timeout is ended, its locks released", async () => {
    const idle = await pool(short.url, "transaction").connect();
    idle.on("error", () => {});
    const other = pool(short.url, "transaction");
    const free = async () => (await other.query<{ taken: boolean }>("SELECT pg_try_advisory_xact_lock(4343) AS taken")).rows[0]?.taken;
    await idle.query("BEGIN; SELECT pg_advisory_xact_lock(4343)");
    expect(await free()).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await free()).toBe(true);
    await expect(idle.query("SELECT 1")).rejects.toThrow();
    idle.release(true);
  });

  it("the migration runner sets them only when asked (DATABASE_POOL_MODE=transaction), and refuses a value that is not a number of ms", async () => {
    const untouched = await createTestDatabase(testDatabaseUrl(), "gatehouse_poolmode");
    cleanups.push(() => untouched.drop());
    await migrate({ url: untouched.url });
    const settings = async (): Promise<string[]> => {
      const client = new pg.Client({ connectionString: untouched.url });
      await client.connect();
      try {
        return (
          await client.query<{ setconfig: string[] | null }>(
            "SELECT setconfig FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = current_database()",
          )
        ).rows.flatMap((row) => row.setconfig ?? []);
      } finally {
        await client.end();
      }
    };
    expect(await settings()).toEqual([]);
    await expect(migrate({ url: untouched.url, sessionDefaults: { statementTimeoutMs: Number.NaN, idleInTransactionTimeoutMs: 1_000 } })).rejects.toThrow(/whole number of ms/);
    await migrate({ url: untouched.url, sessionDefaults: { statementTimeoutMs: 15_000, idleInTransactionTimeoutMs: 60_000 } });
    expect((await settings()).sort()).toEqual(["idle_in_transaction_session_timeout=60000ms", "statement_timeout=15000ms"]);
  });

  it("the health check counts the database down while its timeouts are not in force, up once they are", async () => {
    const bare = await pooledDatabase("none");
    const checked = pool(bare.url, "transaction");
    expect(await timeoutsInForce(checked, true)).toBe(false);
    // The statement timeout alone is not asked for when DATABASE_STATEMENT_TIMEOUT_MS is 0; the idle one always is.
    expect(await timeoutsInForce(checked, false)).toBe(false);
    expect(await timeoutsInForce(pool(defaults.url, "transaction"), true)).toBe(true);
  });
});

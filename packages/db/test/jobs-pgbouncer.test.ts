import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeSignals, disconnectDb } from "../src/index";
import { leaseLeaderLock, type LeaseQuery } from "../src/jobs";
import { freePort, type PgBouncer, startPgBouncer, testDatabaseUrl } from "../src/testing";

// The worker's leadership through a real PgBouncer in transaction mode (issue 43; docs/adr/0009,
// "Leadership as a lease"), with PgBouncer's stock settings but for where it listens: a session advisory
// lock excludes nobody there, the lease lets one worker lead and hands over when its holder stops.
// PgBouncer is Debian's `pgbouncer` (`.ci/run` installs it).

let bouncer: PgBouncer;
let bouncerUrl: string;
const pools: pg.Pool[] = [];

beforeAll(async () => {
  // One server connection: every client's statements share it, as they may at any pool size.
  bouncer = await startPgBouncer({ databaseUrl: testDatabaseUrl(), port: await freePort(), poolSize: 1 });
  bouncerUrl = bouncer.url;
}, 20_000);

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end().catch(() => {})));
  await bouncer?.stop();
  await disconnectDb();
  await closeSignals();
});

/** A worker's pool through PgBouncer: no start-up parameters PgBouncer's stock settings refuse. */
function poolThroughBouncer(): pg.Pool {
  const pool = new pg.Pool({ connectionString: bouncerUrl, max: 2 });
  pools.push(pool);
  return pool;
}

const queryOf =
  (pool: pg.Pool): LeaseQuery =>
  async <R>(text: string, values: unknown[]) =>
    (await pool.query(text, values)).rows as R[];

describe("leadership through PgBouncer in transaction mode", () => {
  it("a session advisory lock (the old leadership) lets two workers lead at once", async () => {
    const key = 900_000_000 + Math.floor(Math.random() * 1_000_000);
    const [a, b] = [new pg.Client({ connectionString: bouncerUrl }), new pg.Client({ connectionString: bouncerUrl })];
    await a.connect();
    await b.connect();
    try {
      const take = async (client: pg.Client) => (await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [key])).rows[0]?.locked;
      expect(await take(a)).toBe(true);
      // The lock stayed with the server session PgBouncer hands to the next client: it "takes" it too.
      expect(await take(b)).toBe(true);
      await a.query("SELECT pg_advisory_unlock_all()");
    } finally {
      await a.end();
      await b.end();
    }
  });

  it("the lease lets one lead; a holder that stops renewing is replaced once its lease lapses, one that stops cleanly at once", async () => {
    const name = `bouncer-${randomBytes(4).toString("hex")}`;
    const [first, second] = [poolThroughBouncer(), poolThroughBouncer()];
    const a = leaseLeaderLock({ name, ttlMs: 800, query: queryOf(first) });
    const b = leaseLeaderLock({ name, ttlMs: 800, query: queryOf(second) });
    expect(await a.hold()).toBe(true);
    expect(await b.hold()).toBe(false);
    expect(await a.hold()).toBe(true);
    const renewedAt = Date.now();
    // a stops renewing (a killed worker, whose server session PgBouncer keeps open): b leads once the lease lapses.
    while (!(await b.hold())) {
      if (Date.now() - renewedAt > 5_000) throw new Error("the lease did not lapse");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(Date.now() - renewedAt).toBeGreaterThanOrEqual(700);
    expect(await a.hold()).toBe(false);
    // b stops cleanly: a takes the lease at its next try.
    await b.release();
    expect(await a.hold()).toBe(true);
    await a.release();
  });
});

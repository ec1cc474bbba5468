import pg from "pg";

/** The advisory lock whose holder runs the jobs; the migration runner uses another key. */
export const JOBS_LOCK_KEY = 1_734_439_013;

/** Leadership over the jobs, held by at most one process of those that share a database. */
export interface LeaderLock {
  /**
   * Takes leadership if it is free, or confirms this process still holds it. False while another
   * process holds it; throws when the database cannot be reached (leadership is then given up).
   */
  hold(): Promise<boolean>;
  /** Gives leadership up: unlocks and closes the lock's connection. */
  release(): Promise<void>;
}

/**
 * Leadership as a PostgreSQL session-level advisory lock, held on a connection of its own (not one
 * from the pool: the lock belongs to the session that took it, and the pool hands sessions around).
 * A leader that stops unlocks; one that dies loses the lock with its connection, which PostgreSQL
 * notices as soon as the socket closes (a host that vanishes without closing it: once TCP keepalive
 * gives up). The connection holds no transaction, so it never blocks anyone, PGlite included.
 */
export function advisoryLeaderLock(options: { url: string; key?: number }): LeaderLock {
  const key = options.key ?? JOBS_LOCK_KEY;
  let client: pg.Client | undefined;
  let held = false;

  const drop = async (): Promise<void> => {
    const dropped = client;
    client = undefined;
    held = false;
    await dropped?.end().catch(() => {});
  };

  return {
    async hold() {
      try {
        if (!client) {
          const fresh = new pg.Client({ connectionString: options.url, keepAlive: true, application_name: "gatehouse-jobs-lock" });
          // A dropped connection took the lock with it; the next hold() connects again.
          fresh.on("error", () => {
            if (client === fresh) void drop();
          });
          client = fresh;
          await fresh.connect();
        }
        if (held) {
          // The lock lives as long as this session: a round trip proves both.
          await client.query("SELECT 1");
          return true;
        }
        const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [key]);
        held = rows[0]?.locked === true;
        return held;
      } catch (error) {
        await drop();
        throw error;
      }
    },
    async release() {
      if (client && held) await client.query("SELECT pg_advisory_unlock($1)", [key]).catch(() => {});
      await drop();
    },
  };
}

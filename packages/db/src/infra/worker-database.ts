import pg from "pg";

/**
 * The database as a work-pool worker reaches it (docs/adr/0016, "Reads on the worker"): a step of a
 * long scan (a verification, a replay) reads its own rows on the worker thread, so the API's event
 * loop neither decodes the rows nor copies them to the worker. Plain data, so it crosses to a worker.
 */
export interface WorkerDatabase {
  url: string;
  statementTimeoutMs: number;
  queryTimeoutMs: number;
}

/** The process's database as workers should reach it: the same server and limits as the pool `pool` (the process's own). */
export function workerDatabaseOf(pool: pg.Pool): WorkerDatabase {
  const options = pool.options as pg.PoolConfig;
  return {
    url: options.connectionString ?? "",
    // None set on the process's pool (0, or a pooler in transaction mode, which refuses it as a start-up parameter): none here either.
    statementTimeoutMs: typeof options.statement_timeout === "number" ? options.statement_timeout : 0,
    queryTimeoutMs: typeof options.query_timeout === "number" ? options.query_timeout : 20_000,
  };
}

/**
 * One connection per worker thread and database (this module is loaded once per worker): a worker
 * runs one job at a time, and a job's reads take turns on it, so the work pool holds at most
 * WORK_POOL_SIZE connections beside the process's pool. Idle for 10 s, it is closed; a worker that is
 * terminated (a job past its time limit) takes its connection with it.
 */
const pools = new Map<string, pg.Pool>();

export function workerPool(database: WorkerDatabase): pg.Pool {
  let pool = pools.get(database.url);
  if (!pool) {
    pool = new pg.Pool({
      connectionString: database.url,
      max: 1,
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: 5_000,
      ...(database.statementTimeoutMs > 0 ? { statement_timeout: database.statementTimeoutMs } : {}),
      ...(database.queryTimeoutMs > 0 ? { query_timeout: database.queryTimeoutMs } : {}),
      keepAlive: true,
    });
    // A connection lost while idle or in use fails the read under way (the step answers 503), never the worker.
    pool.on("error", () => {});
    pool.on("connect", (client) => void client.on("error", () => {}));
    pools.set(database.url, pool);
  }
  return pool;
}

/**
 * Reads asked for ahead of the step that needs them (the next page while this one is checked), by a
 * key naming exactly what was read. At most `MAX_AHEAD` wait; the oldest is dropped past that (a scan
 * that stopped, or whose next step went to another worker). A read that failed is read again by its step.
 */
const MAX_AHEAD = 4;
const ahead = new Map<string, Promise<unknown>>();

export function readAhead<T>(key: string, read: () => Promise<T>): void {
  const pending = read();
  pending.catch(() => {});
  ahead.set(key, pending);
  while (ahead.size > MAX_AHEAD) ahead.delete(ahead.keys().next().value as string);
}

export async function takeAhead<T>(key: string, read: () => Promise<T>): Promise<T> {
  const pending = ahead.get(key) as Promise<T> | undefined;
  ahead.delete(key);
  if (pending) {
    try {
      return await pending;
    } catch {
      // read again below
    }
  }
  return read();
}

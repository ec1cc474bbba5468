import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient, type Prisma } from "../generated/prisma/client";
import { dbEnv } from "./env";
import { withTimeout } from "./timeout";

/**
 * Left out of every answer by default: the digests of passwords, API keys and emailed tokens, and the
 * encrypted signing keys. A read that needs one (sign-in, a key or token check, signing) asks for it
 * by name, `omit: { keyHash: false }`; every other read cannot leak it into a view, a log or an answer.
 */
export const SECRET_FIELDS = {
  user: { passwordHash: true },
  apiKey: { keyHash: true },
  signingKey: { encryptedPrivateKey: true },
  invitation: { tokenHash: true },
  accountToken: { tokenHash: true },
  webhookEndpoint: { secretEnc: true, previousSecretEnc: true },
  orgSlackConnection: { botTokenEnc: true, signingSecretEnc: true },
  slackConnectionRequest: { botTokenEnc: true, signingSecretEnc: true },
  approvalLink: { tokenHash: true },
  cliLogin: { pollHash: true },
  mcpServer: { credentialEnc: true },
} as const satisfies Prisma.GlobalOmitConfig;

export type Db = PrismaClient<never, typeof SECRET_FIELDS> & { readonly pool: pg.Pool };
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

/**
 * How the pool reaches PostgreSQL (DATABASE_POOL_MODE): `session` sends the timeouts as start-up
 * parameters; `transaction` (a pooler in transaction mode) sends none, and the database's defaults hold.
 */
export type PoolMode = "session" | "transaction";

/** The idle-in-transaction bound: a transaction left open by a stuck caller must not hold its locks (the log head) for ever. */
export const IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;

export interface PoolTimeouts {
  /** Longest wait for a connection (a new one, or a free one from a full pool), in ms. */
  connectTimeoutMs?: number;
  /** PostgreSQL's statement_timeout for the pool's sessions, in ms (0: none). */
  statementTimeoutMs?: number;
  /** The client's bound on an answer, for a database gone silent, in ms (0: none). */
  queryTimeoutMs?: number;
  /** `transaction`: no start-up parameters (the timeouts above but the client's own are then the database's defaults). */
  poolMode?: PoolMode;
}

/** A connection lost while checked out, or idle: the query under way fails, the process does not. */
function ignoreConnectionError(): void {}

/** pg.Pool settings with the timeouts; every client gets an `error` listener (see createDb). */
export function poolConfig(url: string, max: number, timeouts: PoolTimeouts = {}): pg.PoolConfig {
  const { connectTimeoutMs = 5_000, statementTimeoutMs = 15_000, queryTimeoutMs = 20_000, poolMode = "session" } = timeouts;
  // Start-up parameters a pooler in transaction mode refuses (it would hand the session's settings to other clients).
  const sessionSettings =
    poolMode === "session"
      ? { ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}), idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS }
      : {};
  return {
    connectionString: url,
    max,
    connectionTimeoutMillis: connectTimeoutMs,
    ...sessionSettings,
    ...(queryTimeoutMs > 0 ? { query_timeout: queryTimeoutMs } : {}),
    keepAlive: true,
  };
}

/**
 * Prisma and the hot path's raw SQL (group commit) share one pg pool, so a process never holds more
 * connections than DATABASE_POOL_SIZE.
 *
 * Connection loss must never crash the process. pg emits `error` on a client whose connection drops;
 * the pool listens only while a client is idle, so a client checked out at that moment (a decision
 * batch, a Prisma transaction) had no listener and the `error` event killed the process. Every
 * client now gets a listener as it connects; the query under way rejects with the error (a 503,
 * apps/api/src/errors.ts) and the pool discards the broken client.
 */
export function createDb(options: { url: string; poolSize?: number } & PoolTimeouts): Db {
  const pool = new pg.Pool(poolConfig(options.url, options.poolSize ?? 10, options));
  pool.on("error", ignoreConnectionError); // an idle client's connection dropped; the pool replaces it
  pool.on("connect", (client) => void client.on("error", ignoreConnectionError));
  const client = new PrismaClient({ adapter: new PrismaPg(pool), omit: SECRET_FIELDS });
  return Object.assign(client, { pool });
}

const globalKey = Symbol.for("gatehouse.db");
const pingKey = Symbol.for("gatehouse.dbPing");
const pingModeKey = Symbol.for("gatehouse.dbPingMode");
const pingStatementKey = Symbol.for("gatehouse.dbPingStatementTimeout");
type Holder = { [globalKey]?: Db; [pingKey]?: pg.Pool; [pingModeKey]?: PoolMode; [pingStatementKey]?: boolean };

/** One client per process, from DATABASE_URL (kept on globalThis so dev reloads don't leak pools). */
export function db(): Db {
  const holder = globalThis as Holder;
  if (!holder[globalKey]) {
    const env = dbEnv();
    holder[globalKey] = createDb({
      url: env.DATABASE_URL,
      poolSize: env.DATABASE_POOL_SIZE,
      connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
      queryTimeoutMs: env.DATABASE_QUERY_TIMEOUT_MS,
      poolMode: env.DATABASE_POOL_MODE,
    });
  }
  return holder[globalKey];
}

/** This process's pool as pg counts it, for the metrics (docs/metrics.md); none before the process made it (no pool is made here). */
export function primaryPoolStats(): { total: number; idle: number; waiting: number; max: number } | null {
  const pool = (globalThis as Holder)[globalKey]?.pool;
  return pool ? { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options.max ?? 10 } : null;
}

/**
 * A read-only query for the metrics, bounded on both sides: PostgreSQL cancels it past `timeoutMs` (a statement
 * timeout of its own transaction: SET LOCAL, which holds behind a pooler in transaction mode too), and a connection
 * that fails with it is discarded rather than given back.
 */
export async function boundedRead<R extends object>(text: string, timeoutMs: number): Promise<R[]> {
  const client = await db().pool.connect();
  let failed: Error | undefined;
  try {
    await client.query("BEGIN READ ONLY");
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
    const { rows } = await client.query<R>(text);
    await client.query("COMMIT");
    return rows;
  } catch (error) {
    failed = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(failed);
  }
}

export async function disconnectDb(): Promise<void> {
  // The replica's reads (infra/replica.ts, which imports this file) measure through this pool: stop them first.
  const replicaKey = Symbol.for("gatehouse.replicaReads");
  const replica = (globalThis as { [replicaKey]?: { stop(): Promise<void> } | null })[replicaKey];
  delete (globalThis as { [replicaKey]?: unknown })[replicaKey];
  await replica?.stop();
  const holder = globalThis as Holder;
  const client = holder[globalKey];
  const ping = holder[pingKey];
  delete holder[globalKey];
  delete holder[pingKey];
  delete holder[pingModeKey];
  delete holder[pingStatementKey];
  await client?.$disconnect();
  await client?.pool.end().catch(() => {});
  await ping?.end().catch(() => {});
}

/**
 * Health check: one round trip to the database, answered within `timeoutMs` whatever the database
 * does (false when it does not answer in time). It runs on a one-connection pool of its own, so a
 * pool busy with decisions does not read as a database that is down, and a database that is down
 * costs the check at most `timeoutMs`.
 */
export async function pingDatabase(timeoutMs = 1_000): Promise<boolean> {
  const holder = globalThis as Holder;
  if (!holder[pingKey]) {
    let env: ReturnType<typeof dbEnv>;
    try {
      env = dbEnv();
    } catch {
      return false; // not configured: nothing to reach
    }
    const pool = new pg.Pool(
      poolConfig(env.DATABASE_URL, 1, { connectTimeoutMs: Math.max(timeoutMs, 1_000), statementTimeoutMs: 1_000, queryTimeoutMs: 2_000, poolMode: env.DATABASE_POOL_MODE }),
    );
    pool.on("error", ignoreConnectionError);
    pool.on("connect", (client) => void client.on("error", ignoreConnectionError));
    holder[pingKey] = pool;
    holder[pingModeKey] = env.DATABASE_POOL_MODE;
    holder[pingStatementKey] = env.DATABASE_STATEMENT_TIMEOUT_MS > 0;
  }
  const pool = holder[pingKey];
  const check = holder[pingModeKey] === "transaction" ? timeoutsInForce(pool, holder[pingStatementKey] ?? true) : pool.query("SELECT 1").then(() => true);
  return withTimeout(
    check.then(
      (ok) => ok,
      () => false,
    ),
    timeoutMs,
    false,
  );
}

let toldTimeoutsMissing = false;

/**
 * Through a pooler in transaction mode the pool sends no start-up parameters, so the statement and
 * idle-in-transaction timeouts hold only as the database's (or the role's) defaults, which
 * `npm run db:migrate` sets. Without them a stuck statement or an abandoned transaction could hold the
 * org's log head for ever: the database counts as down (health checks answer 503) until they are in force
 * (the statement timeout only when DATABASE_STATEMENT_TIMEOUT_MS asks for one).
 */
export async function timeoutsInForce(pool: pg.Pool, statementTimeout: boolean): Promise<boolean> {
  const { rows } = await pool.query<{ statement: string; idle: string }>(
    "SELECT current_setting('statement_timeout') AS statement, current_setting('idle_in_transaction_session_timeout') AS idle",
  );
  const row = rows[0];
  const ok = Boolean(row && (!statementTimeout || row.statement !== "0") && row.idle !== "0");
  if (!ok && !toldTimeoutsMissing) {
    toldTimeoutsMissing = true;
    console.error(
      `[database] DATABASE_POOL_MODE=transaction, but the database's statement_timeout (${row?.statement}) or idle_in_transaction_session_timeout (${row?.idle}) is off: ` +
        "run `DATABASE_POOL_MODE=transaction npm run db:migrate` directly against PostgreSQL (it sets both as the database's defaults), or set them for the role; until then health checks answer 503",
    );
  }
  if (ok) toldTimeoutsMissing = false;
  return ok;
}

/** Interactive transactions wait for the org's log head under load: give them room, not 5 s. */
export const TX_OPTIONS = { maxWait: 15_000, timeout: 15_000 } as const;

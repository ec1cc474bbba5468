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
} as const satisfies Prisma.GlobalOmitConfig;

export type Db = PrismaClient<never, typeof SECRET_FIELDS> & { readonly pool: pg.Pool };
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

export interface PoolTimeouts {
  /** Longest wait for a connection (a new one, or a free one from a full pool), in ms. */
  connectTimeoutMs?: number;
  /** PostgreSQL's statement_timeout for the pool's sessions, in ms (0: none). */
  statementTimeoutMs?: number;
  /** The client's bound on an answer, for a database gone silent, in ms (0: none). */
  queryTimeoutMs?: number;
}

/** A connection lost while checked out, or idle: the query under way fails, the process does not. */
function ignoreConnectionError(): void {}

/** pg.Pool settings with the timeouts; every client gets an `error` listener (see createDb). */
export function poolConfig(url: string, max: number, timeouts: PoolTimeouts = {}): pg.PoolConfig {
  const { connectTimeoutMs = 5_000, statementTimeoutMs = 15_000, queryTimeoutMs = 20_000 } = timeouts;
  return {
    connectionString: url,
    max,
    connectionTimeoutMillis: connectTimeoutMs,
    ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}),
    ...(queryTimeoutMs > 0 ? { query_timeout: queryTimeoutMs } : {}),
    // A transaction left open by a stuck caller must not hold its locks (the log head) for ever.
    idle_in_transaction_session_timeout: 60_000,
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
type Holder = { [globalKey]?: Db; [pingKey]?: pg.Pool };

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
    });
  }
  return holder[globalKey];
}

export async function disconnectDb(): Promise<void> {
  const holder = globalThis as Holder;
  const client = holder[globalKey];
  const ping = holder[pingKey];
  delete holder[globalKey];
  delete holder[pingKey];
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
    const pool = new pg.Pool(poolConfig(env.DATABASE_URL, 1, { connectTimeoutMs: Math.max(timeoutMs, 1_000), statementTimeoutMs: 1_000, queryTimeoutMs: 2_000 }));
    pool.on("error", ignoreConnectionError);
    pool.on("connect", (client) => void client.on("error", ignoreConnectionError));
    holder[pingKey] = pool;
  }
  return withTimeout(
    holder[pingKey].query("SELECT 1").then(
      () => true,
      () => false,
    ),
    timeoutMs,
    false,
  );
}

/** Interactive transactions wait for the org's log head under load: give them room, not 5 s. */
export const TX_OPTIONS = { maxWait: 15_000, timeout: 15_000 } as const;

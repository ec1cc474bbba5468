import { isDomainError, unavailable, type DomainError } from "@gatehouse/core";

/**
 * Which failures mean "a dependency is down or not answering", as opposed to a bug: the socket
 * errors of a connection that could not be made or was lost, PostgreSQL's shutdown, connection and
 * cancellation codes, the pool's and the client's timeouts, and Prisma's wrappings of them (the
 * driver adapter keeps the original in `cause`, `meta` or `originalCode`). One place, used by the
 * API's error handler: these become UNAVAILABLE (503 with Retry-After), never an allow.
 */
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "ECONNABORTED"]);
/**
 * admin_shutdown, crash_shutdown, cannot_connect_now, query_canceled (statement_timeout), lock_not_available,
 * too_many_connections, and idle_in_transaction_session_timeout (a transaction holding a log head that went quiet too
 * long: audit/log-store.ts, logHeadIdleMs).
 */
const PG_CODES = new Set(["57P01", "57P02", "57P03", "57014", "55P03", "53300", "25P03"]);
/** Prisma's codes for an unreachable or timed-out database, a lost connection, a pool that gave no connection, a transaction that could not start in time. */
const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1011", "P1017", "P2024", "P2028"]);
/** The driver adapter's kinds for the same. */
const ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
const MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection timeout/i,
  /query read timeout/i,
  /not queryable/i,
  /terminating connection/i,
  /the database system is (starting up|shutting down|in recovery mode|not yet accepting connections)/i,
  /server closed the connection/i,
  /can't reach database server/i,
  /unable to start a transaction in the given time/i,
  /canceling statement due to statement timeout/i,
  /connection (is )?closed/i,
  /read ECONNRESET|connect ECONNREFUSED|write EPIPE/i,
  /Stream isn't writeable/i,
  /Command timed out/i,
  /Connection is closed/i,
  /MaxRetriesPerRequestError|Reached the max retries per request/i,
];

function* causes(error: unknown): Generator<Record<string, unknown>> {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.size < 16) {
    const next = queue.shift();
    if (typeof next !== "object" || next === null || seen.has(next)) continue;
    seen.add(next);
    const record = next as Record<string, unknown>;
    yield record;
    queue.push(record.cause, record.meta, record.driverAdapterError, record.originalError);
    if (Array.isArray(record.errors)) queue.push(...(record.errors as unknown[])); // AggregateError (a refused connection to every address)
  }
}

/** True when `error` says the database (or Redis) could not be reached, went away or did not answer in time. */
export function isConnectionFailure(error: unknown): boolean {
  if (isDomainError(error)) return false;
  for (const record of causes(error)) {
    const { code, originalCode, kind, message } = record;
    for (const c of [code, originalCode]) {
      if (typeof c !== "string") continue;
      if (SOCKET_CODES.has(c) || PG_CODES.has(c) || PRISMA_CODES.has(c) || /^08[0-9A-Z]{3}$/.test(c)) return true;
    }
    if (typeof kind === "string" && ADAPTER_KINDS.has(kind)) return true;
    if (typeof message === "string" && MESSAGES.some((pattern) => pattern.test(message))) return true;
  }
  return false;
}

/**
 * Of the connection failures, the database's silence: node-postgres' own timeouts on the database itself (a new
 * connection not made within connectionTimeoutMillis, a statement without an answer within query_timeout). Not
 * pg-pool's "timeout exceeded when trying to connect", which also means a full pool kept its clients busy: the
 * database may be fine.
 */
export function wentSilent(error: Error): boolean {
  return /Query read timeout|Connection terminated due to connection timeout/i.test(error.message);
}

/** The UNAVAILABLE error `error` stands for when it is a connection failure; null otherwise. */
export function asUnavailable(error: unknown): DomainError | null {
  if (isDomainError(error)) return error.code === "UNAVAILABLE" ? error : null;
  return isConnectionFailure(error) ? unavailable("a dependency of this request (the database) is unavailable or not answering; try again shortly", 2) : null;
}

/** A one-line description of a connection failure for the log (no stack: it is an outage, not a bug). */
export function describeConnectionFailure(error: unknown): string {
  for (const record of causes(error)) {
    const code = typeof record.code === "string" ? record.code : typeof record.originalCode === "string" ? record.originalCode : undefined;
    const message = typeof record.message === "string" ? record.message.split("\n").find((line) => line.trim() !== "") : undefined;
    if (code || message) return [code, message].filter(Boolean).join(": ").slice(0, 300);
  }
  return String(error).slice(0, 300);
}

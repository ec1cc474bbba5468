import pg from "pg";

/**
 * SQL whose effect outlives its transaction: behind a pooler in transaction mode (DATABASE_POOL_MODE=transaction,
 * docs/deploying.md) the next transaction on that server connection may be another client's, so a setting, a
 * listener, a session lock, a prepared statement, a temporary table or a held cursor would leak to it, or be missing
 * where the code expects it. The transaction-scoped forms (SET LOCAL, set_config(…, true), pg_advisory_xact_lock,
 * SET TRANSACTION, SET CONSTRAINTS) are fine.
 *
 * Every integration test's pooled connections pass through this check (packages/db/test/session-sql-tripwire.ts), so
 * a statement of this kind fails wherever the product sends it, not only in the few suites the `pooled` project runs
 * through a real PgBouncer (issue 63).
 */
const SESSION_LEVEL: ReadonlyArray<{ pattern: RegExp; what: string }> = [
  { pattern: /^(SET|RESET)\s+(?!LOCAL\b|TRANSACTION\b|CONSTRAINTS\b)/i, what: "a session setting (SET or RESET without LOCAL)" },
  { pattern: /^(LISTEN|UNLISTEN)\b/i, what: "a listener (LISTEN)" },
  { pattern: /^(PREPARE|DEALLOCATE|EXECUTE)\b/i, what: "a prepared statement by SQL (PREPARE)" },
  { pattern: /^(DISCARD|LOAD)\b/i, what: "a statement on the whole session (DISCARD, LOAD)" },
  { pattern: /^CREATE\s+(GLOBAL\s+|LOCAL\s+)?TEMP(ORARY)?\s+(?![^]*\bON\s+COMMIT\s+DROP\b)/i, what: "a temporary table that outlives its transaction" },
  { pattern: /^DECLARE\b[^]*\bWITH\s+HOLD\b/i, what: "a cursor held past its transaction (WITH HOLD)" },
  { pattern: /\bpg_(try_)?advisory_(un)?lock(_shared)?\s*\(/i, what: "a session advisory lock (pg_advisory_lock; the transaction's is pg_advisory_xact_lock)" },
  { pattern: /\bpg_advisory_unlock_all\s*\(/i, what: "a session advisory lock (pg_advisory_unlock_all)" },
  { pattern: /\bset_config\s*\([^()]*,\s*false\s*\)/i, what: "a session setting (set_config(…, false))" },
];

/** The statements of a text (comments dropped, string and dollar-quoted literals blanked so their contents never count). */
function statementsOf(text: string): string[] {
  const blanked = text
    .replace(/\$([A-Za-z_]*)\$[^]*?\$\1\$/g, "''")
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/--[^\n]*/g, " ")
    .replace(/\/\*[^]*?\*\//g, " ");
  return blanked
    .split(";")
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}

/** What makes this SQL session-level, or undefined when every statement of it ends with its transaction. */
export function sessionLevelSql(text: string): string | undefined {
  for (const statement of statementsOf(text)) {
    for (const { pattern, what } of SESSION_LEVEL) if (pattern.test(statement)) return what;
  }
  return undefined;
}

const installed = Symbol.for("gatehouse.sessionSqlTripwire");

/**
 * Makes every pooled pg connection of this process refuse session-level SQL (sessionLevelSql): the query fails with
 * an error naming what it was, before it is sent. Connections of a pool only: the migration runner and the test
 * helpers connect with a `pg.Client` of their own, directly, as they do in production (migrations hold a session lock
 * and never go through a pooler). A pooled client is one pg-pool has checked out: it carries `release`.
 */
export function installSessionSqlTripwire(): void {
  const proto = pg.Client.prototype as unknown as Record<symbol | string, unknown>;
  if (proto[installed]) return;
  proto[installed] = true;
  const query = pg.Client.prototype.query as (this: pg.Client, ...args: unknown[]) => unknown;
  (pg.Client.prototype as unknown as { query: typeof query }).query = function (this: pg.Client, ...args: unknown[]) {
    const first = args[0] as string | { text?: unknown } | undefined;
    const text = typeof first === "string" ? first : typeof first?.text === "string" ? first.text : undefined;
    const what = text !== undefined && typeof (this as unknown as { release?: unknown }).release === "function" ? sessionLevelSql(text) : undefined;
    if (what !== undefined) {
      const error = new Error(
        `session-level SQL on a pooled connection: ${what}. Behind a pooler in transaction mode it would reach another client's session: ${text!.slice(0, 200)}`,
      );
      const callback = args.find((arg) => typeof arg === "function") as ((error: Error) => void) | undefined;
      if (callback) {
        process.nextTick(() => callback(error));
        return undefined;
      }
      return Promise.reject(error);
    }
    return query.apply(this, args);
  };
}

import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

/** prisma/migrations, relative to this file (a path, not a URL import, so bundlers leave it alone). */
export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "prisma", "migrations");

/** The lock id `prisma migrate` itself takes, so our runner and Prisma's never run at once. */
const PRISMA_ADVISORY_LOCK = 72707369;

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationError";
  }
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    }),
  );
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
  /** The runtime role this run granted its privileges to (only when `runtimeUrl` names a role other than the migrating one). */
  runtimeRole?: string;
}

/**
 * Applies pending migrations in name order, each in its own transaction together with its
 * `_prisma_migrations` row, so a failure leaves nothing behind. Idempotent. Refuses to continue when
 * an applied migration's file has changed, or when a migration is recorded as started but unfinished
 * (a failed `prisma migrate deploy`): both need a person.
 */
export async function migrate(options: {
  url: string;
  dir?: string;
  log?: (line: string) => void;
  /** When given: the database's default timeouts for every later session (see setSessionDefaults). */
  sessionDefaults?: SessionDefaults;
  /**
   * The runtime role's URL (DATABASE_URL) when `url` is the owner's (DATABASE_OWNER_URL): its role is created when missing
   * (with the URL's password) and given what the product does and no more (see grantRuntime). Only its user and password
   * are read; nothing connects to it.
   */
  runtimeUrl?: string;
}): Promise<MigrateResult> {
  const log = options.log ?? (() => {});
  const migrations = await readMigrations(options.dir);
  const client = new pg.Client({ connectionString: options.url });
  await client.connect();
  try {
    // Migrations connect directly (they hold a session lock, so never through a pooler), and this session is bounded by
    // nothing, whatever the database's default timeouts (setSessionDefaults): the lock may wait for another
    // migrator, and a migration may take long.
    await client.query("SET statement_timeout = 0; SET idle_in_transaction_session_timeout = 0");
    await client.query("SELECT pg_advisory_lock($1)", [PRISMA_ADVISORY_LOCK]);
    await client.query(CREATE_MIGRATIONS_TABLE);
    const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
    );
    const recorded = new Map(rows.map((row) => [row.migration_name, row]));
    const result: MigrateResult = { applied: [], alreadyApplied: [] };
    for (const migration of migrations) {
      const row = recorded.get(migration.name);
      if (row) {
        if (!row.finished_at) {
          throw new MigrationError(`Migration ${migration.name} was started but never finished; resolve it by hand before migrating.`);
        }
        if (row.checksum !== migration.checksum) {
          throw new MigrationError(`Migration ${migration.name} was modified after it was applied (checksum differs); add a new migration instead.`);
        }
        result.alreadyApplied.push(migration.name);
        continue;
      }
      log(`applying ${migration.name}`);
      try {
        await client.query("BEGIN");
        await client.query(`INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)`, [
          randomUUID(),
          migration.checksum,
          migration.name,
        ]);
        await client.query(migration.sql);
        await client.query(`UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE migration_name = $1 AND finished_at IS NULL`, [migration.name]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw new MigrationError(`Migration ${migration.name} failed and was rolled back: ${(error as Error).message}`);
      }
      result.applied.push(migration.name);
    }
    if (options.runtimeUrl !== undefined) {
      const role = await grantRuntime(client, options.runtimeUrl);
      if (role !== null) {
        result.runtimeRole = role;
        log(`granted the runtime role ${role}`);
      }
    }
    if (options.sessionDefaults) await setSessionDefaults(client, options.sessionDefaults);
    return result;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [PRISMA_ADVISORY_LOCK]).catch(() => {});
    await client.end();
  }
}

/** PostgreSQL's insufficient_privilege. */
const INSUFFICIENT_PRIVILEGE = "42501";

/**
 * The runtime role of `runtimeUrl` (docs/adr/0044-owner-and-runtime-database-roles.md), as the migrating role (the owner)
 * leaves it: created when missing (LOGIN, the URL's password; the owner needs CREATEROLE, else the run fails saying how
 * to create it by hand), refused when it could undo what it is denied (a superuser, the owner of the audit tables or a
 * member of that role), then granted by gatehouse_grant_runtime (the migration 20261211000100_runtime_role), in one
 * transaction. Answers the role, or null when it is the migrating role itself (one role for both: nothing to grant).
 */
async function grantRuntime(client: pg.Client, runtimeUrl: string): Promise<string | null> {
  const url = new URL(runtimeUrl);
  const role = decodeURIComponent(url.username);
  if (role === "") throw new MigrationError("DATABASE_URL names no user: the runtime role is the user of DATABASE_URL (postgresql://gatehouse_app:<password>@host/db)");
  const { rows } = await client.query<{ me: string; owner: string }>(
    `SELECT current_user AS me, pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = 'audit_entries'::regclass`,
  );
  const me = rows[0]?.me;
  const owner = rows[0]?.owner;
  if (me === undefined || owner === undefined) throw new MigrationError("audit_entries is missing: the migrations did not run");
  if (role === me) return null;
  try {
    await client.query("BEGIN");
    const exists = (await client.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [role])).rows.length > 0;
    if (!exists) {
      const password = decodeURIComponent(url.password);
      if (password === "") throw new MigrationError(`the runtime role ${role} does not exist and DATABASE_URL gives no password to create it with`);
      await client.query(`CREATE ROLE ${client.escapeIdentifier(role)} LOGIN PASSWORD ${client.escapeLiteral(password)}`).catch((error: unknown) => {
        if ((error as { code?: string }).code !== INSUFFICIENT_PRIVILEGE) throw error;
        throw new MigrationError(
          `the runtime role ${role} does not exist and ${me} may not create roles: create it (CREATE ROLE ${role} LOGIN PASSWORD '…'), or give ${me} CREATEROLE, and migrate again`,
        );
      });
    }
    const [check] = (
      await client.query<{ superuser: boolean; member: boolean }>(`SELECT rolsuper AS superuser, pg_has_role($1, $2, 'MEMBER') AS member FROM pg_roles WHERE rolname = $1`, [
        role,
        owner,
      ])
    ).rows;
    if (check?.superuser) throw new MigrationError(`the runtime role ${role} is a superuser: it could undo every guard; give DATABASE_URL a role of its own that is not`);
    if (check?.member) throw new MigrationError(`the runtime role ${role} is ${owner}, which owns the audit tables, or a member of it: give DATABASE_URL a role of its own`);
    await client.query(`SELECT "gatehouse_grant_runtime"($1)`, [role]);
    await client.query("COMMIT");
    return role;
  } catch (error) {
    await client.query("ROLLBACK");
    if (error instanceof MigrationError) throw error;
    throw new MigrationError(`could not grant the runtime role ${role}: ${(error as Error).message}`);
  }
}

export interface SessionDefaults {
  /** statement_timeout in ms (0: none). */
  statementTimeoutMs: number;
  /** idle_in_transaction_session_timeout in ms (0: none). */
  idleInTransactionTimeoutMs: number;
}

/** What the pool sends as start-up parameters when it may (packages/db/src/infra/client.ts). */
export const DEFAULT_SESSION_TIMEOUTS: SessionDefaults = { statementTimeoutMs: 15_000, idleInTransactionTimeoutMs: 60_000 };

/**
 * Makes the timeouts the database's defaults, so they hold in every session, also the ones a pooler in transaction
 * mode opens (PgBouncer refuses them as start-up parameters: DATABASE_POOL_MODE, docs/deploying.md). A session that
 * sends its own (a direct connection) keeps those; sessions already open keep what they had. Needs the database's
 * owner (or a superuser): without the right, the migration run fails, saying so. Not on the embedded database of
 * `npm start`: its one session is shared by every client through the multiplexer (ADR 0002) and never sits behind
 * a pooler, so a session timeout there would end every client's work at once.
 */
async function setSessionDefaults(client: pg.Client, defaults: SessionDefaults): Promise<void> {
  for (const ms of [defaults.statementTimeoutMs, defaults.idleInTransactionTimeoutMs]) {
    if (!Number.isSafeInteger(ms) || ms < 0) throw new MigrationError(`a default timeout must be a whole number of ms ≥ 0, not ${String(ms)}`);
  }
  const { rows } = await client.query<{ version: string; name: string }>("SELECT version() AS version, current_database() AS name");
  const row = rows[0];
  if (!row || /PGlite/.test(row.version)) return;
  const database = client.escapeIdentifier(row.name);
  try {
    await client.query(`ALTER DATABASE ${database} SET statement_timeout = ${client.escapeLiteral(`${defaults.statementTimeoutMs}ms`)}`);
    await client.query(`ALTER DATABASE ${database} SET idle_in_transaction_session_timeout = ${client.escapeLiteral(`${defaults.idleInTransactionTimeoutMs}ms`)}`);
  } catch (error) {
    throw new MigrationError(
      `could not set the database's default timeouts (${(error as Error).message}): set statement_timeout and idle_in_transaction_session_timeout for the database or its role yourself, or run the migration as the database's owner`,
    );
  }
}

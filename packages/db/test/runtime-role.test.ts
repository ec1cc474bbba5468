import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { authenticateApiKey, closeSignals, decideAction } from "../src";
import { checkpointAuditLog } from "../src/audit/checkpoint-audit-log";
import { dropAuditMonths } from "../src/audit/drop-audit-months";
import { ensureAuditPartitions } from "../src/audit/ensure-audit-partitions";
import { planAuditErasure, writeAuditErasure } from "../src/audit/erase-audit-fields";
import { verifyAuditLog } from "../src/audit/verify-audit-log";
import { db, disconnectDb, TX_OPTIONS } from "../src/infra/client";
import { migrate, type MigrateResult } from "../src/migrate";
import { createTestDatabase, createTestOrg, testDatabaseUrl, type TestOrg } from "../src/testing";

// Issue 62 (docs/adr/0044-owner-and-runtime-database-roles.md): with DATABASE_OWNER_URL, the migrations and the month
// drops run as the owner role and the API, the console and the worker as DATABASE_URL's role, which can append to the
// audit log, erase a field and verify, and can neither alter, truncate, detach or drop the audit tables nor switch off,
// drop or replace their guards. This file makes its own database and both roles (the shared postgres role is left alone)
// and drops them at the end.

const suffix = randomBytes(4).toString("hex");
const OWNER = `gh_owner_${suffix}`;
const RUNTIME = `gh_runtime_${suffix}`;
let database: { url: string; name: string; drop: () => Promise<void> };
let superuser: pg.Client;
let runtime: pg.Client;
let ownerUrl: string;
let runtimeUrl: string;
let migrated: MigrateResult;
let org: TestOrg;
/** This worker's database, read before the file points DATABASE_URL at the runtime role. */
const workerDatabase = testDatabaseUrl();

function urlAs(role: string): string {
  const url = new URL(database.url);
  url.username = role;
  url.password = `pw-${role}`;
  return url.toString();
}

beforeAll(async () => {
  database = await createTestDatabase(workerDatabase, "gatehouse_roles");
  superuser = new pg.Client({ connectionString: database.url });
  await superuser.connect();
  // The owner as a managed database gives it: the database's owner, allowed to create roles, not a superuser.
  await superuser.query(`CREATE ROLE ${OWNER} LOGIN CREATEROLE PASSWORD 'pw-${OWNER}'`);
  await superuser.query(`ALTER DATABASE ${database.name} OWNER TO ${OWNER}`);
  ownerUrl = urlAs(OWNER);
  runtimeUrl = urlAs(RUNTIME);
  // What `npm run db:migrate` does with DATABASE_OWNER_URL=ownerUrl and DATABASE_URL=runtimeUrl (it creates the role).
  migrated = await migrate({ url: ownerUrl, runtimeUrl });
  // The processes' environment: DATABASE_URL for everything, DATABASE_OWNER_URL for the worker's month drops.
  process.env.DATABASE_URL = runtimeUrl;
  process.env.DATABASE_OWNER_URL = ownerUrl;
  runtime = new pg.Client({ connectionString: runtimeUrl });
  await runtime.connect();
  org = await createTestOrg({
    label: "roles",
    policies: [{ name: "allow-all", actions: ["*"], agents: ["*"], effect: "allow" }],
  });
}, 120_000);

afterAll(async () => {
  await runtime?.end();
  await superuser?.end();
  await disconnectDb();
  await closeSignals();
  await database?.drop();
  const base = new pg.Client({ connectionString: workerDatabase });
  await base.connect();
  try {
    await base.query(`DROP ROLE IF EXISTS ${RUNTIME}`);
    await base.query(`DROP ROLE IF EXISTS ${OWNER}`);
  } finally {
    await base.end();
  }
});

/** Every table privilege of the runtime role, and its column privileges, as the catalog states them. */
async function runtimePrivileges(): Promise<string[]> {
  const tables = await superuser.query<{ line: string }>(
    `SELECT table_name || ' ' || privilege_type AS line FROM information_schema.role_table_grants WHERE grantee = $1
     UNION ALL SELECT table_name || '.' || column_name || ' ' || privilege_type FROM information_schema.column_privileges WHERE grantee = $1`,
    [RUNTIME],
  );
  return tables.rows.map((row) => row.line).sort();
}

async function triggersOfAuditEntries(): Promise<string[]> {
  const { rows } = await superuser.query<{ line: string }>(
    `SELECT c.relname || ' ' || t.tgname || ' ' || t.tgenabled::text AS line FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE NOT t.tgisinternal AND (c.relname LIKE 'audit_entries%' OR c.relname IN ('merkle_nodes', 'checkpoints', 'checkpoint_cosignatures', 'audit_log_starts'))`,
  );
  return rows.map((row) => row.line).sort();
}

describe("two database roles: the owner migrates, DATABASE_URL's role runs the product", () => {
  it("creates the runtime role, owning nothing and no superuser; migrating again grants the same", async () => {
    expect(migrated.runtimeRole).toBe(RUNTIME);
    const role = await superuser.query<{ rolsuper: boolean; owned: string }>(
      `SELECT r.rolsuper, (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid)::text AS owned FROM pg_roles r WHERE r.rolname = $1`,
      [RUNTIME],
    );
    expect(role.rows).toEqual([{ rolsuper: false, owned: "0" }]);
    const before = await runtimePrivileges();
    expect(before).toContain("audit_entries SELECT");
    expect(before).toContain("audit_entries INSERT");
    expect(before).toContain("audit_entries.fields UPDATE");
    expect(before.filter((line) => /^audit_entries_/.test(line))).toEqual([]);
    expect(before.filter((line) => / (TRUNCATE|TRIGGER|REFERENCES)$/.test(line))).toEqual([]);
    const again = await migrate({ url: ownerUrl, runtimeUrl });
    expect(again.applied).toEqual([]);
    expect(await runtimePrivileges()).toEqual(before);
  });

  it("refuses a runtime role that could undo the guards: the owner itself is one role, a superuser or a member of the owner is refused", async () => {
    expect((await migrate({ url: ownerUrl, runtimeUrl: ownerUrl })).runtimeRole).toBeUndefined();
    const member = `gh_member_${suffix}`;
    await superuser.query(`CREATE ROLE ${member} LOGIN IN ROLE ${OWNER}`);
    try {
      await expect(migrate({ url: ownerUrl, runtimeUrl: urlAs(member) })).rejects.toThrow(`the runtime role ${member} is ${OWNER}, which owns the audit tables, or a member of it`);
      await superuser.query(`ALTER ROLE ${member} NOSUPERUSER`);
      await superuser.query(`REVOKE ${OWNER} FROM ${member}`);
      await superuser.query(`ALTER ROLE ${member} SUPERUSER`);
      await expect(migrate({ url: ownerUrl, runtimeUrl: urlAs(member) })).rejects.toThrow(`the runtime role ${member} is a superuser`);
    } finally {
      await superuser.query(`DROP OWNED BY ${member}`);
      await superuser.query(`DROP ROLE ${member}`);
    }
  });

  it("the product works as the runtime role: decisions append, a field is erased, checkpoints are signed, the log verifies, next months get partitions", async () => {
    const agent = { ...(await authenticateApiKey(org.agent.apiKey)), requestId: "roles" };
    const decided = await decideAction({ ctx: agent, input: { actionType: "crm.read", metadata: { email: "someone@example.test" } } });
    expect(decided.status).toBe("executed");
    const erased = await db().$transaction(async (tx) => {
      const plan = await planAuditErasure(tx, org.org.id, { subject: "someone@example.test", reason: "a request" }, undefined);
      return writeAuditErasure(tx, org.org.id, { actor: { type: "system", id: "roles-test" }, plan, reason: "a request" });
    }, TX_OPTIONS);
    expect(erased.fields).toBeGreaterThan(0);
    await checkpointAuditLog(org.org.id);
    expect(await verifyAuditLog({ ctx: org.ctx })).toMatchObject({ valid: true, problem: null });
    const made = await ensureAuditPartitions({ monthsAhead: 5 });
    expect(made.created).toHaveLength(2);
    const owners = await superuser.query<{ owner: string }>(`SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relname = ANY($1::text[])`, [made.created]);
    expect(owners.rows).toEqual([{ owner: OWNER }]);
  });

  // What someone holding the runtime role's connection tries: each refused by the database's privileges (not by a trigger
  // the role could switch off), and nothing of it sticks.
  const ATTEMPTS: Array<[string, string]> = [
    ["switch off the guards of audit_entries", "ALTER TABLE audit_entries DISABLE TRIGGER USER"],
    ["switch off the erasure guard", "ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_erasure_only"],
    ["switch off a partition's triggers", "ALTER TABLE audit_entries_default DISABLE TRIGGER USER"],
    ["drop the append-only trigger", "DROP TRIGGER audit_entries_append_only ON audit_entries"],
    ["drop a partition's TRUNCATE guard", "DROP TRIGGER audit_entries_default_no_truncate ON audit_entries_default"],
    ["replace the guard's function", "CREATE OR REPLACE FUNCTION gatehouse_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END; $$"],
    ["drop the guard's function", "DROP FUNCTION gatehouse_refuse_change() CASCADE"],
    ["replication mode, which skips triggers", "SET session_replication_role = replica"],
    ["truncate audit_entries", "TRUNCATE audit_entries"],
    ["truncate a partition by name", "TRUNCATE audit_entries_history"],
    ["delete every entry", "DELETE FROM audit_entries"],
    ["delete from a partition by name", "DELETE FROM audit_entries_history"],
    ["rewrite a leaf hash", "UPDATE audit_entries SET leaf_hash = repeat('0', 64)"],
    ["rewrite a partition's fields by name", "UPDATE audit_entries_history SET fields = NULL"],
    ["detach a month", "ALTER TABLE audit_entries DETACH PARTITION audit_entries_default"],
    ["drop a partition", "DROP TABLE audit_entries_default"],
    ["drop the log", "DROP TABLE audit_entries CASCADE"],
    ["take the table over", `ALTER TABLE audit_entries OWNER TO ${RUNTIME}`],
    ["delete tree nodes", "DELETE FROM merkle_nodes"],
    ["truncate the checkpoints", "TRUNCATE checkpoints"],
    ["rewrite a checkpoint", "UPDATE checkpoints SET note = ''"],
    ["switch off the checkpoints' guards", "ALTER TABLE checkpoints DISABLE TRIGGER USER"],
    ["delete a witness's cosignature", "DELETE FROM checkpoint_cosignatures"],
    ["delete a log head", "DELETE FROM audit_log_heads"],
    ["move a log's start", "UPDATE audit_log_starts SET size = size + 1"],
    ["invent a log's start", "INSERT INTO audit_log_starts (org_id, size, chain_hash, dropped_before) SELECT id, 1, '', now() FROM orgs LIMIT 1"],
    ["delete a signing key", "DELETE FROM signing_keys"],
    ["rewrite the migrations' record", "DELETE FROM _prisma_migrations"],
    ["fold the default partition (an owner's remedy)", "SELECT gatehouse_audit_fold_default()"],
    ["grant itself more", `SELECT gatehouse_grant_runtime('${RUNTIME}')`],
    ["create a table", "CREATE TABLE audit_shadow (id text)"],
  ];

  it.each(ATTEMPTS)("the runtime role cannot %s", async (_name, statement) => {
    const triggers = await triggersOfAuditEntries();
    const entries = await superuser.query<{ n: string }>(`SELECT count(*)::text AS n FROM audit_entries`);
    await runtime.query("BEGIN");
    const error = await runtime.query(statement).then(
      () => null,
      (failure: unknown) => failure as { code?: string; message: string },
    );
    await runtime.query("ROLLBACK");
    expect(error?.message).toMatch(/^(permission denied|must be owner)/);
    expect(error?.code).toBe("42501");
    expect(await triggersOfAuditEntries()).toEqual(triggers);
    expect((await superuser.query<{ n: string }>(`SELECT count(*)::text AS n FROM audit_entries`)).rows).toEqual(entries.rows);
  });

  it("the month drop runs as the owner (DATABASE_OWNER_URL); as the runtime role it refuses, having read and written nothing", async () => {
    await superuser.query(`UPDATE orgs SET settings = jsonb_set(settings, '{retention}', '{"entries": 1}'::jsonb) WHERE id = $1`, [org.org.id]);
    const [history] = (await superuser.query<{ end: Date }>(`SELECT gatehouse_audit_history_end() AS end`)).rows;
    const now = new Date((history?.end as Date).getTime() + 2 * 86_400_000);
    await expect(dropAuditMonths({ now, database: db() })).rejects.toThrow(`the month drop runs as the owner of audit_entries, and ${RUNTIME} is not it`);
    expect((await superuser.query(`SELECT 1 FROM audit_log_starts`)).rows).toEqual([]);
    // The drop's own entry (audit.pruned) is written at `now`, in the month after the one it drops, as in production.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(now);
    const run = await dropAuditMonths({ now }).finally(() => vi.useRealTimers());
    expect(run.dropped, JSON.stringify(run)).toContain("audit_entries_history");
    expect(run.orgs).toBe(1);
    expect(await verifyAuditLog({ ctx: org.ctx })).toMatchObject({ valid: true, problem: null });
  });
});

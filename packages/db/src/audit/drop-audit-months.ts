import { retentionSettings } from "@gatehouse/core";
import { frontierKeys, rootFromFrontier, toHex } from "@gatehouse/tlog";
import { createDb, db, TX_OPTIONS, type Db, type Tx } from "../infra/client";
import { dbEnv } from "../infra/env";
import { appendAuditEntry, readLockedHead, txQuery } from "./append-audit-entries";
import { readTreeNodes, type Query } from "./log-store";
import { RETENTION_ACTOR } from "./retention-sweep";

const DAY_MS = 86_400_000;
/**
 * Dropping a month detaches it from audit_entries, under the table's exclusive lock; the drop waits this long at most for
 * the transactions in flight on it (appends queue behind that wait), and the job tries again next run.
 */
const LOCK_TIMEOUT_MS = 2_000;
/** A month is considered only once it ended at least this long ago, whatever an org's retention says: an entry sealed by a host whose clock ran slow still lands in a month that stays. */
const GRACE_MS = DAY_MS;

export interface AuditMonthDrops {
  /** The partitions this run dropped, oldest first. */
  dropped: string[];
  /** Orgs whose log start moved this run (an `audit.pruned` entry each). */
  orgs: number;
  /** The oldest partition past the grace period that stays, and why (null: none waits). */
  kept: { partition: string; reason: string } | null;
}

interface Partition {
  name: string;
  /** Where its range ends: every entry in it was created before. */
  end: Date;
}

interface OrgInPartition {
  org_id: string;
  /** One past its largest seq in the partition: where its log starts once the partition goes. */
  through: string;
  entries: string;
}

/** PostgreSQL's undefined_table. */
const UNDEFINED_TABLE = "42P01";
const MONTH_PARTITION = /^audit_entries_y(\d{4})m(\d{2})$/;

/** audit_entries' partitions that hold a range (the history and the months, not the default), oldest first. */
async function rangePartitions(query: Query): Promise<Partition[]> {
  const rows = await query<{ name: string; history_end: Date }>(
    `SELECT c.relname AS name, gatehouse_audit_history_end() AS history_end FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'audit_entries'::regclass`,
    [],
  );
  const partitions: Partition[] = [];
  for (const row of rows) {
    if (row.name === "audit_entries_history") partitions.push({ name: row.name, end: new Date(row.history_end) });
    const month = MONTH_PARTITION.exec(row.name);
    // The month after audit_entries_yYYYYmMM starts at Date.UTC(YYYY, MM) (months count from 0 there).
    if (month) partitions.push({ name: row.name, end: new Date(Date.UTC(Number(month[1]), Number(month[2]), 1)) });
  }
  return partitions.sort((a, b) => a.end.getTime() - b.end.getTime());
}

/** Why an org keeps the partition's entries (null: its retention lets them go). */
function keeps(org: { settings: unknown; closed: boolean; pending?: boolean }, end: Date, now: Date): string | null {
  if (org.closed) return "it is closed (its log is read-only for good)";
  // A decision still waiting for a person keeps its entry, whatever the retention (the approver decides on it).
  if (org.pending) return "a decision in it still waits for approval";
  const days = retentionSettings(org.settings).entries;
  if (days === 0) return "its retention keeps whole entries (retention.entries is 0)";
  if (end.getTime() > now.getTime() - days * DAY_MS) return `its retention keeps whole entries ${days} days`;
  return null;
}

/**
 * The worker's job `audit-drop-months` (docs/audit.md, Dropping old months): the oldest partitions of audit_entries go,
 * one month at a time and oldest first, once every org with entries in a month allows it — its `retention.entries` has
 * passed since the month ended, and it is open. For each such org, in a transaction under its log head lock, the log's
 * new start is recorded (audit_log_starts: the first seq kept, the chain hash and the tree's frontier there; the one leaf
 * a later proof still needs is kept in merkle_nodes) and the drop is appended to its own log as an `audit.pruned` entry.
 * Then the partition is detached and dropped, once no org's entries in it lie above its recorded start. The verifier,
 * the proofs and the export go on from the start, so the rest of each log still verifies against its signed checkpoints.
 * The oldest month that stays (and why) is answered; nothing to drop writes nothing. Two workers at once record each start
 * once (under the head lock) and drop each month once. It runs as the owner of audit_entries, the one role that may drop a
 * partition and move a log's start (docs/adr/0044-owner-and-runtime-database-roles.md): on a pool of its own for the run
 * from DATABASE_OWNER_URL when that is set, else on DATABASE_URL's (one role for both), or on `database` when given.
 */
export async function dropAuditMonths({ now = new Date(), database }: { now?: Date; database?: Db } = {}): Promise<AuditMonthDrops> {
  if (database) return dropMonths(database, now);
  const env = dbEnv();
  if (env.DATABASE_OWNER_URL === undefined) return dropMonths(db(), now);
  const owner = createDb({
    url: env.DATABASE_OWNER_URL,
    poolSize: 2,
    connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    queryTimeoutMs: env.DATABASE_QUERY_TIMEOUT_MS,
  });
  try {
    return await dropMonths(owner, now);
  } finally {
    await owner.$disconnect();
    await owner.pool.end().catch(() => undefined);
  }
}

/** The drops, as the role of `database`, which must own audit_entries: nothing is read or written otherwise. */
async function dropMonths(database: Db, now: Date): Promise<AuditMonthDrops> {
  const pool = database.pool;
  const query: Query = async <R>(text: string, values: unknown[]) => (await pool.query(text, values)).rows as R[];
  const [role] = await query<{ name: string; owns: boolean }>(
    `SELECT current_user AS name, pg_has_role(current_user, relowner, 'USAGE') AS owns FROM pg_class WHERE oid = 'audit_entries'::regclass`,
    [],
  );
  if (role?.owns !== true) {
    throw new Error(
      `the month drop runs as the owner of audit_entries, and ${role?.name ?? "this role"} is not it: give the worker DATABASE_OWNER_URL (docs/deploying.md, Two database roles)`,
    );
  }
  const done: AuditMonthDrops = { dropped: [], orgs: 0, kept: null };
  for (const partition of await rangePartitions(query)) {
    if (partition.end.getTime() > now.getTime() - GRACE_MS) break;
    const inIt = await query<OrgInPartition>(
      `SELECT org_id, (max(seq) + 1)::text AS through, count(*)::text AS entries FROM ${quoteIdent(partition.name)} GROUP BY org_id ORDER BY org_id`,
      [],
    ).catch((error: unknown) => {
      // Another worker dropped it since the list was read.
      if ((error as { code?: string }).code === UNDEFINED_TABLE) return null;
      throw error;
    });
    if (inIt === null) continue;
    const orgs = await query<{ id: string; settings: unknown; closed: boolean; pending: boolean }>(
      `SELECT o.id, o.settings, o.closed_at IS NOT NULL AS closed,
              EXISTS (SELECT 1 FROM approvals a WHERE a.org_id = o.id AND a.status = 'pending' AND a.created_at < $2) AS pending
         FROM orgs o WHERE o.id = ANY($1::text[]) ORDER BY o.id`,
      [inIt.map((o) => o.org_id), partition.end],
    );
    const refusing = orgs.map((org) => ({ id: org.id, why: keeps(org, partition.end, now) })).filter((org) => org.why !== null);
    if (refusing.length > 0) {
      const [first] = refusing as [{ id: string; why: string }];
      done.kept = {
        partition: partition.name,
        reason: `${refusing.length} of the ${inIt.length} orgs with entries in it keep them (org ${first.id}: ${first.why})`,
      };
      break;
    }
    for (const org of inIt) {
      const moved = await database.$transaction((tx) => recordStart(tx, org, partition, now), TX_OPTIONS);
      if (moved) done.orgs += 1;
    }
    const outcome = await dropPartition(database, partition);
    if (outcome === "ahead") {
      done.kept = { partition: partition.name, reason: "an org's entries in it lie above its recorded start (appended while it was being dropped); the next run tries again" };
      break;
    }
    if (outcome === "dropped") done.dropped.push(partition.name);
  }
  return done;
}

/**
 * Under the org's log head lock: checks again that its retention lets the partition's entries go and that they are the
 * whole of its log below `through` (none in a later partition), then records the new start and appends `audit.pruned`.
 * A start already there or past it is left as it is (another worker did it). Answers whether the start moved.
 */
async function recordStart(tx: Tx, org: OrgInPartition, partition: Partition, now: Date): Promise<boolean> {
  const query = txQuery(tx);
  const orgId = org.org_id;
  const through = Number(org.through);
  const locked = await readLockedHead(query, orgId, true);
  if (!locked) throw new Error(`audit log head missing for org ${orgId}`);
  const why = keeps({ settings: locked.settings, closed: locked.closed }, partition.end, now);
  if (why !== null) throw new Error(`org ${orgId} keeps its entries in ${partition.name} after all: ${why}`);
  const [start] = await query<{ size: string }>(`SELECT size FROM audit_log_starts WHERE org_id = $1`, [orgId]);
  const previous = Number(start?.size ?? 0);
  if (previous >= through) return false;
  // Every seq from the current start up to `through` must be in this partition: a later one holding an older seq
  // (a clock that ran months slow) would be cut off from its log.
  const [held] = await query<{ n: string }>(`SELECT count(*)::text AS n FROM audit_entries WHERE org_id = $1 AND seq >= $2 AND seq < $3 AND created_at < $4`, [
    orgId,
    String(previous),
    String(through),
    partition.end,
  ]);
  if (Number(held?.n) !== through - previous) {
    throw new Error(`org ${orgId}: entries ${previous} to ${through - 1} are not all in ${partition.name} (${held?.n ?? 0} are); its start stays at ${previous}`);
  }
  const keys = frontierKeys(through);
  const nodes = new Map((await readTreeNodes(query, orgId, keys)).map((node) => [`${node.level}:${node.index}`, node.hash]));
  const frontier = keys.map((key) => {
    const hash = nodes.get(`${key.level}:${key.index}`);
    if (!hash) throw new Error(`org ${orgId}: tree node (${key.level}, ${key.index}) is missing; run the audit verifier`);
    return hash;
  });
  const [last] = await query<{ chain_hash: string }>(`SELECT chain_hash FROM audit_entries WHERE org_id = $1 AND seq = $2`, [orgId, String(through - 1)]);
  if (!last) throw new Error(`org ${orgId}: entry ${through - 1} is missing`);
  // An odd start leaves entry `through - 1` as the sibling of entry `through`: its leaf is kept for that entry's proofs.
  const lastKey = keys.at(-1);
  if (lastKey?.level === 0) {
    await query(`INSERT INTO merkle_nodes (org_id, level, index, hash) VALUES ($1, 0, $2, $3) ON CONFLICT DO NOTHING`, [
      orgId,
      String(lastKey.index),
      toHex(frontier.at(-1) as Buffer),
    ]);
  }
  const hexFrontier = frontier.map(toHex);
  await query(
    `INSERT INTO audit_log_starts (org_id, size, chain_hash, frontier, dropped_before) VALUES ($1, $2, $3, $4::text[], $5)
     ON CONFLICT (org_id) DO UPDATE SET size = EXCLUDED.size, chain_hash = EXCLUDED.chain_hash, frontier = EXCLUDED.frontier, dropped_before = EXCLUDED.dropped_before, updated_at = now()`,
    [orgId, String(through), last.chain_hash, hexFrontier, partition.end],
  );
  await appendAuditEntry(tx, orgId, {
    type: "audit.pruned",
    actor: RETENTION_ACTOR,
    data: {
      startSize: through,
      previousStartSize: previous,
      rootHash: toHex(rootFromFrontier(frontier)),
      chainHash: last.chain_hash,
      droppedBefore: partition.end.toISOString(),
      days: retentionSettings(locked.settings).entries,
    },
  });
  return true;
}

/**
 * Detaches and drops the partition, unless an org's entries in it lie above its recorded start ("ahead"). What is read in
 * full is read before any lock (the starts; the month itself was read by the caller): under audit_entries' exclusive lock,
 * which appends to every month wait for, only the month's orgs are looked up in its index on (org_id, seq) — two index
 * probes per org with entries in it, however many entries it holds — then it is detached and dropped. A start read before
 * the lock can only be behind the one in force (a start only moves forward), so a stale read keeps the month, never drops
 * an entry above a start. Waits LOCK_TIMEOUT_MS at most for the transactions in flight on the table. "gone": another
 * worker dropped it.
 */
async function dropPartition(database: Db, partition: Partition): Promise<"dropped" | "gone" | "ahead"> {
  const table = quoteIdent(partition.name);
  const starts = (await database.pool.query<{ org_id: string; size: string }>(`SELECT org_id, size::text AS size FROM audit_log_starts`)).rows;
  const client = await database.pool.connect();
  try {
    await client.query("BEGIN");
    await client.query(`SET LOCAL lock_timeout = ${LOCK_TIMEOUT_MS}`);
    await client.query(`LOCK TABLE audit_entries IN ACCESS EXCLUSIVE MODE`);
    if ((await client.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [partition.name])).rows[0]?.present !== true) {
      await client.query("ROLLBACK");
      return "gone";
    }
    // The month's orgs, one index probe each (a loose index scan of (org_id, seq)), and each one's largest seq in it.
    const ahead = await client.query(
      `WITH RECURSIVE orgs_in AS (
         (SELECT org_id FROM ${table} ORDER BY org_id LIMIT 1)
         UNION ALL
         SELECT (SELECT p.org_id FROM ${table} p WHERE p.org_id > o.org_id ORDER BY p.org_id LIMIT 1) FROM orgs_in o WHERE o.org_id IS NOT NULL
       )
       SELECT o.org_id FROM orgs_in o
       LEFT JOIN unnest($1::text[], $2::bigint[]) AS s(org_id, size) ON s.org_id = o.org_id
       WHERE o.org_id IS NOT NULL AND (s.size IS NULL OR (SELECT max(p.seq) FROM ${table} p WHERE p.org_id = o.org_id) >= s.size)
       LIMIT 1`,
      [starts.map((start) => start.org_id), starts.map((start) => start.size)],
    );
    if (ahead.rows.length > 0) {
      await client.query("ROLLBACK");
      return "ahead";
    }
    await client.query(`ALTER TABLE audit_entries DETACH PARTITION ${table}`);
    await client.query(`DROP TABLE ${table}`);
    await client.query("COMMIT");
    return "dropped";
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** A partition's name as an identifier (they are ours, audit_entries_…; quoted anyway). */
function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

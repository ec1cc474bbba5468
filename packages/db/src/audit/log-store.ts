import { newId, sealAuditEntry, type AuditEntryInput, type SealedAuditEntry } from "@gatehouse/core";
import { appendToFrontier, frontierKeys, toHex, type NodeKey, type StoredNode } from "@gatehouse/tlog";
import { dbEnv } from "../infra/env";
import { eventLoopSlices } from "../infra/fair-share";

/**
 * How the org's audit log is stored: entries (the leaves), the completed interior nodes of its
 * RFC 6962 tree (merkle_nodes) and the head row (size, chain hash, frontier). Every append — the
 * decision hot path's raw SQL and the services' Prisma transactions — goes through `lockLogHead`
 * and `appendStatement`, so both write the same rows the same way.
 */
export type Query = <R>(text: string, values: unknown[]) => Promise<R[]>;

export interface LogHead {
  size: number;
  chainHash: string;
  /** Hex hashes of the tree's perfect subtrees, largest first. */
  frontier: string[];
}

/**
 * How long a transaction that holds an org's log head may leave PostgreSQL waiting for its next statement. Every
 * other writer of the org queues on that lock, so a host cut off mid-transaction (its packets dropped, nothing
 * closed) must not hold it for the session's idle bound (60 s, IDLE_IN_TRANSACTION_TIMEOUT_MS): PostgreSQL ends that
 * transaction after this long, its locks released, and the org's other hosts go on — within their own statement
 * timeout, of which this is a third (5 s at most: 5 s with the default 15 s, or with none). A holder never idles this
 * long by design: between its statements it only seals entries in memory.
 */
export function logHeadIdleMs(statementTimeoutMs: number = dbEnv().DATABASE_STATEMENT_TIMEOUT_MS): number {
  return statementTimeoutMs > 0 ? Math.min(5_000, Math.max(250, Math.floor(statementTimeoutMs / 3))) : 5_000;
}

/**
 * The select-list item every statement that locks a log head carries: `set_config(…, true)` is `SET LOCAL`, in the
 * same statement as the lock (no extra round trip, and transaction-scoped, so it holds through a pooler in
 * transaction mode and leaves nothing on a pooled session).
 */
export function boundIdle(): string {
  return `set_config('idle_in_transaction_session_timeout', '${logHeadIdleMs()}', true) AS idle_bound`;
}

/** The statement that locks an org's log head and reads it: `$1` is the org's id, or `org` a quoted literal. */
export function lockHeadStatement(org = "$1"): string {
  return `SELECT ${boundIdle()}, size, chain_hash, frontier FROM audit_log_heads WHERE org_id = ${org} FOR UPDATE`;
}

/** Locks the org's log head (FOR UPDATE) and returns it (see `logHead`). */
export async function lockLogHead(query: Query, orgId: string): Promise<LogHead> {
  const rows = await query<HeadRow>(lockHeadStatement(), [orgId]);
  return logHead(query, orgId, rows[0]);
}

export type HeadRow = { size: string | bigint; chain_hash: string; frontier: string[] | null };

/**
 * The head from its locked row (for callers that read it in a statement of their own). A log written
 * before the tree was stored (frontier shorter than the size needs) gets its nodes rebuilt from its
 * leaves first, once.
 */
export async function logHead(query: Query, orgId: string, row: HeadRow | undefined): Promise<LogHead> {
  if (!row) throw new Error(`audit log head missing for org ${orgId}`);
  const head: LogHead = { size: Number(row.size), chainHash: row.chain_hash, frontier: row.frontier ?? [] };
  if (head.frontier.length === frontierKeys(head.size).length) return head;
  return { ...head, frontier: await rebuildTree(query, orgId, head.size) };
}

async function rebuildTree(query: Query, orgId: string, size: number): Promise<string[]> {
  const leaves = await query<{ leaf_hash: string }>(`SELECT leaf_hash FROM audit_entries WHERE org_id = $1 AND seq < $2 ORDER BY seq`, [orgId, String(size)]);
  if (leaves.length !== size) throw new Error(`audit log of org ${orgId} has ${leaves.length} of its ${size} entries; run the audit verifier`);
  const built = appendToFrontier(
    [],
    0,
    leaves.map((l) => Buffer.from(l.leaf_hash, "hex")),
  );
  await query(`INSERT INTO merkle_nodes (org_id, level, index, hash) SELECT $1, * FROM unnest($2::int[], $3::bigint[], $4::text[]) ON CONFLICT DO NOTHING`, [
    orgId,
    built.nodes.map((n) => n.level),
    built.nodes.map((n) => String(n.index)),
    built.nodes.map((n) => toHex(n.hash)),
  ]);
  const frontier = built.frontier.map(toHex);
  await query(`UPDATE audit_log_heads SET frontier = $2::text[] WHERE org_id = $1`, [orgId, frontier]);
  return frontier;
}

export interface SealedBatch {
  entries: SealedAuditEntry[];
  nodes: StoredNode[];
  head: LogHead;
}

/**
 * Seals entries after `head`: consecutive seqs, chain hashes, and the tree nodes they complete. A large batch (a
 * publish of hundreds of policies) pauses between entries every few milliseconds (eventLoopSlices), so sealing one
 * org's batch never holds the process's other requests — other orgs' decisions — for its whole length.
 */
export async function sealBatch(orgId: string, head: LogHead, inputs: readonly AuditEntryInput[], createdAt: Date): Promise<SealedBatch> {
  const pause = eventLoopSlices();
  let seq = head.size;
  let previous = head.chainHash;
  const entries: SealedAuditEntry[] = [];
  for (const entry of inputs) {
    const sealed = sealAuditEntry({ id: newId("audit"), orgId, seq, previousChainHash: previous, createdAt, entry });
    entries.push(sealed);
    seq += 1;
    previous = sealed.chainHash;
    await pause();
  }
  return extendTree(head, entries);
}

/** The tree nodes and new head for entries already sealed after `head` (in order, from head.size). */
export function extendTree(head: LogHead, entries: SealedAuditEntry[]): SealedBatch {
  const last = entries[entries.length - 1];
  if (entries[0] && entries[0].seq !== head.size) throw new Error(`entries start at seq ${entries[0].seq}, the log at ${head.size}`);
  const tree = appendToFrontier(
    head.frontier.map((h) => Buffer.from(h, "hex")),
    head.size,
    entries.map((e) => Buffer.from(e.leafHash, "hex")),
  );
  return { entries, nodes: tree.nodes, head: { size: head.size + entries.length, chainHash: last ? last.chainHash : head.chainHash, frontier: tree.frontier.map(toHex) } };
}

/** Binds one more value to a statement being built and returns its placeholder (`$n`). */
export type Bind = (value: unknown) => string;

/**
 * One statement: insert the entries (second-format ones with their committed fields beside them) and
 * the completed nodes, advance the head. `alongside` adds
 * data-modifying CTEs (`name AS (INSERT …)`) that commit in the same statement, binding their
 * values after the append's own.
 */
export function appendStatement(orgId: string, batch: SealedBatch, alongside: Array<(bind: Bind) => string> = []): { text: string; values: unknown[] } {
  const { entries, nodes, head } = batch;
  const values: unknown[] = [
    orgId,
    entries.map((e) => e.id),
    entries.map((e) => String(e.seq)),
    entries.map((e) => e.type),
    entries.map((e) => e.actor.type),
    entries.map((e) => e.actor.id),
    entries.map((e) => e.subjectId),
    entries.map((e) => e.agentId),
    entries.map((e) => e.canonical),
    entries.map((e) => e.leafHash),
    entries.map((e) => e.chainHash),
    entries.map((e) => e.createdAt.toISOString()),
    nodes.map((n) => n.level),
    nodes.map((n) => String(n.index)),
    nodes.map((n) => toHex(n.hash)),
    String(head.size),
    head.chainHash,
    head.frontier,
    entries.map((e) => (e.fields ? JSON.stringify(e.fields) : null)),
  ];
  const bind: Bind = (value) => `$${values.push(value)}`;
  const more = alongside.map((cte) => `, ${cte(bind)}`).join("");
  return {
    text: `WITH entries AS (
        INSERT INTO audit_entries (id, org_id, seq, type, actor_type, actor_id, subject_id, agent_id, canonical, leaf_hash, chain_hash, created_at, fields)
        SELECT e.id, $1, e.seq, e.type, e.actor_type, e.actor_id, e.subject_id, e.agent_id, e.canonical, e.leaf_hash, e.chain_hash, e.created_at, e.fields
        FROM unnest($2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::timestamptz[], $19::jsonb[])
          AS e(id, seq, type, actor_type, actor_id, subject_id, agent_id, canonical, leaf_hash, chain_hash, created_at, fields)
      ), nodes AS (
        INSERT INTO merkle_nodes (org_id, level, index, hash) SELECT $1, * FROM unnest($13::int[], $14::bigint[], $15::text[])
      )${more}
      UPDATE audit_log_heads SET size = $16, chain_hash = $17, frontier = $18::text[], updated_at = now() WHERE org_id = $1`,
    values,
  };
}

/**
 * Reads stored nodes in one query: level 0 from the entries' leaf hashes, the rest from merkle_nodes. A leaf whose entry
 * was dropped with its month (drop-audit-months.ts) is read from merkle_nodes too, where the drop kept the one a later
 * entry's proof still needs (the last one dropped, when the log's new start is odd).
 */
export async function readTreeNodes(query: Query, orgId: string, keys: readonly NodeKey[]): Promise<StoredNode[]> {
  if (keys.length === 0) return [];
  const leaves = keys.filter((k) => k.level === 0).map((k) => String(k.index));
  const inner = keys;
  const rows = await query<{ level: number; index: string; hash: string }>(
    `SELECT 0 AS level, seq::text AS index, leaf_hash AS hash FROM audit_entries WHERE org_id = $1 AND seq = ANY($2::bigint[])
     UNION ALL
     SELECT m.level, m.index::text, m.hash FROM merkle_nodes m JOIN unnest($3::int[], $4::bigint[]) AS k(level, index)
       ON m.org_id = $1 AND m.level = k.level AND m.index = k.index`,
    [orgId, leaves, inner.map((k) => k.level), inner.map((k) => String(k.index))],
  );
  return rows.map((r) => ({ level: Number(r.level), index: Number(r.index), hash: Buffer.from(r.hash, "hex") }));
}

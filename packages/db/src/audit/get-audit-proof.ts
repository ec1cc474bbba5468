import type { AuditProof } from "@gatehouse/contracts";
import { proofQuerySchema } from "@gatehouse/contracts";
import { DomainError, notFound, validationError, zodIssues } from "@gatehouse/core";
import { EMPTY_ROOT, consistencyProof, inclusionProof, plannedReads, sourceOf, subtreeHash, toHex, type NodeSource } from "@gatehouse/tlog";
import type { Ctx } from "../actors/context";
import { db } from "../infra/client";
import { checkpointAuditLog, checkpointView, type CheckpointView } from "./checkpoint-audit-log";
import { readTreeNodes, type Query } from "./log-store";
import { cosignedNoteSql } from "./cosigned-note";

export type { AuditProof };

const query: Query = async <R>(text: string, values: unknown[]) => (await db().pool.query(text, values)).rows as R[];

/** Where the org's log starts, in words, once its oldest months were dropped. */
export function droppedBefore(start: number): string {
  return `the log starts at seq ${start}: the entries before it were dropped under the org's retention`;
}

/** Where the org's log starts: the first seq kept once its oldest months were dropped (audit_log_starts), else 0. */
export async function logStartOf(orgId: string): Promise<number> {
  return Number((await db().pool.query<{ size: string }>(`SELECT size FROM audit_log_starts WHERE org_id = $1`, [orgId])).rows[0]?.size ?? 0);
}

/** 404 for an entry that is not there; for a seq below the log's start, the message says it was dropped. */
export async function entryNotFound(orgId: string, seq: number | undefined): Promise<Error> {
  if (seq === undefined) return notFound("audit entry");
  const start = await logStartOf(orgId);
  return seq < start ? new DomainError("NOT_FOUND", `audit entry ${seq} not found: ${droppedBefore(start)}`) : notFound("audit entry");
}

/** Runs `compute` over exactly the stored nodes it needs, fetched in one query (O(log n) rows). */
export async function withNodes<T>(orgId: string, compute: (source: NodeSource) => T): Promise<T> {
  return compute(sourceOf(await readTreeNodes(query, orgId, plannedReads(compute))));
}

async function checkpointAt(orgId: string, treeSize: number): Promise<CheckpointView | null> {
  const { rows } = await db().pool.query(
    `SELECT c.tree_size, c.root_hash, ${cosignedNoteSql("c")} AS note, c.signing_key_id, c.created_at FROM checkpoints c WHERE c.org_id = $1 AND c.tree_size = $2`,
    [orgId, String(treeSize)],
  );
  return rows[0] ? checkpointView(rows[0]) : null;
}

type InclusionRow = { size: string; id: string | null; seq: string | null; nodes: string[]; created_at: Date | null } & Partial<
  Record<"tree_size" | "root_hash" | "note" | "signing_key_id", string>
>;

/**
 * An inclusion proof in one round trip: the log's size, the entry (by id or seq), any checkpoint at
 * the asked size, and the stored nodes the proof and the root read — `inclusionReads(seq, treeSize)`
 * from @gatehouse/tlog, written here in SQL because with an entry id the seq is only known inside
 * the query. Each node comes back as "level index hash". Sent as a named statement, so each pool
 * connection plans it once.
 */
function inclusionQuery(by: "id" | "seq"): string {
  return `WITH entry AS (SELECT id, seq FROM audit_entries WHERE org_id = $1 AND ${by} = $2 AND ($4::text IS NULL OR agent_id = $4)),
wanted AS (
  SELECT 0 AS level, seq AS index FROM entry
  UNION SELECT l, (e.seq >> l) # 1 FROM entry e, generate_series(0, 52) AS l WHERE (((e.seq >> l) # 1) + 1) << l <= $3::bigint
  UNION SELECT k, ($3::bigint >> k) - 1 FROM generate_series(0, 52) AS k WHERE ($3::bigint >> k) & 1 = 1
)
SELECT h.size, e.id, e.seq, c.tree_size, c.root_hash, ${cosignedNoteSql("c")} AS note, c.signing_key_id, c.created_at, ARRAY(
    SELECT '0 ' || a.seq || ' ' || a.leaf_hash FROM audit_entries a WHERE a.org_id = $1 AND a.seq IN (SELECT index FROM wanted WHERE level = 0)
    UNION ALL
    SELECT m.level || ' ' || m.index || ' ' || m.hash FROM wanted w JOIN merkle_nodes m ON m.org_id = $1 AND m.level = w.level AND m.index = w.index
  ) AS nodes
FROM audit_log_heads h
LEFT JOIN entry e ON true
LEFT JOIN checkpoints c ON c.org_id = h.org_id AND c.tree_size = $3::bigint
WHERE h.org_id = $1`;
}

/**
 * RFC 6962 proofs from the stored tree. The tree size defaults to a fresh checkpoint of the log, so
 * the answer carries the signed note to check the root against. Sizes beyond the log are a 400.
 * An agent's key gets inclusion proofs of its own agent's entries only (any other entry is 404, as if
 * it did not exist, whether asked by id or by seq); consistency proofs are about the tree alone (root
 * hashes, no entry) and are answered to every key of the org.
 */
export async function getAuditProof({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<AuditProof> {
  const parsed = proofQuerySchema.safeParse(input ?? {});
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const orgId = ctx.org.id;
  const wanted = parsed.data;
  if (wanted.from !== undefined) {
    const [row] = (
      await db().pool.query<{ size: string; start: string | null }>(
        `SELECT h.size, s.size AS start FROM audit_log_heads h LEFT JOIN audit_log_starts s ON s.org_id = h.org_id WHERE h.org_id = $1`,
        [orgId],
      )
    ).rows;
    const head = Number(row?.size ?? 0);
    const start = Number(row?.start ?? 0);
    const beyond = (field: string, value: number) => validationError([{ path: field, message: `the log has ${head} entries; ${value} is beyond it` }]);
    let checkpoint: CheckpointView | null = null;
    let to = wanted.to;
    if (to === undefined) {
      checkpoint = await checkpointAuditLog(orgId);
      to = checkpoint.treeSize;
    } else {
      if (to > head) throw beyond("to", to);
      checkpoint = await checkpointAt(orgId, to);
    }
    if (wanted.from > to) throw validationError([{ path: "from", message: `must be at most to (${to})` }]);
    // Below the log's start the tree's nodes are partly gone with their entries: a proof reaches back to the start.
    for (const [path, size] of [
      ["from", wanted.from],
      ["to", to],
    ] as const) {
      if (size > 0 && size < start) throw validationError([{ path, message: `${droppedBefore(start)}; ${size} is below it` }]);
    }
    const { from } = wanted;
    const target = to;
    return withNodes(orgId, (source) => ({
      type: "consistency" as const,
      from,
      to: target,
      fromRootHash: toHex(from === 0 ? EMPTY_ROOT : subtreeHash(0, from, source)),
      toRootHash: toHex(subtreeHash(0, target, source)),
      proof: consistencyProof(from, target, source).map(toHex),
      checkpoint,
    }));
  }

  // An agent's key proves only its own agent's entries: another agent's is not found, by id or by seq alike.
  const ownEntriesOnly = ctx.actor.type === "agent" ? ctx.actor.agentId : null;
  let checkpoint: CheckpointView | null = wanted.treeSize === undefined ? await checkpointAuditLog(orgId) : null;
  const treeSize = wanted.treeSize ?? (checkpoint as CheckpointView).treeSize;
  const by = wanted.entryId ? "id" : "seq";
  const found = (
    await db().pool.query<InclusionRow>({
      name: `audit-inclusion-by-${by}`,
      text: inclusionQuery(by),
      values: [orgId, wanted.entryId ?? String(wanted.seq), String(treeSize), ownEntriesOnly],
    })
  ).rows[0];
  if (!found?.id || found.seq === null) throw await entryNotFound(orgId, wanted.seq);
  if (treeSize > Number(found.size)) throw validationError([{ path: "treeSize", message: `the log has ${found.size} entries; ${treeSize} is beyond it` }]);
  if (wanted.treeSize !== undefined) checkpoint = found.tree_size ? checkpointView(found as Parameters<typeof checkpointView>[0]) : null;
  const seq = Number(found.seq);
  if (seq >= treeSize) throw validationError([{ path: "treeSize", message: `entry ${seq} is not in a tree of ${treeSize} entries` }]);
  const source = sourceOf(
    found.nodes.map((node) => {
      const [level, index, hash] = node.split(" ");
      return { level: Number(level), index: Number(index), hash: Buffer.from(hash as string, "hex") };
    }),
  );
  return {
    type: "inclusion",
    seq,
    entryId: found.id,
    leafHash: toHex(source(0, seq)),
    treeSize,
    rootHash: toHex(subtreeHash(0, treeSize, source)),
    proof: inclusionProof(seq, treeSize, source).map(toHex),
    checkpoint,
  };
}

import type { Checkpoint } from "@gatehouse/contracts";
import { newId, notFound } from "@gatehouse/core";
import { formatCheckpoint, frontierKeys, rootFromFrontier, signNote, toHex } from "@gatehouse/tlog";
import { db, TX_OPTIONS } from "../infra/client";
import { txQuery } from "./append-audit-entries";
import { lockLogHead } from "./log-store";
import { activeSigner, logOrigin } from "./signing-keys";
import { cosignedNoteSql } from "./cosigned-note";

/** A signed checkpoint as the API answers it (its contract). */
export type CheckpointView = Checkpoint;

interface CheckpointRow {
  tree_size: string;
  root_hash: string;
  note: string;
  signing_key_id: string;
  created_at: Date;
}

export function checkpointView(row: CheckpointRow): CheckpointView {
  return { treeSize: Number(row.tree_size), rootHash: row.root_hash, note: row.note, keyId: row.signing_key_id, createdAt: row.created_at.toISOString() };
}

async function readHead(orgId: string): Promise<{ size: number; frontier: string[] }> {
  const heads = await db().pool.query<{ size: string; frontier: string[] | null }>(`SELECT size, frontier FROM audit_log_heads WHERE org_id = $1`, [orgId]);
  const head = heads.rows[0];
  if (!head) throw notFound("organization");
  return { size: Number(head.size), frontier: head.frontier ?? [] };
}

const LATEST = `SELECT c.tree_size, c.root_hash, ${cosignedNoteSql("c")} AS note, c.signing_key_id, c.created_at FROM checkpoints c WHERE c.org_id = $1 ORDER BY c.tree_size DESC LIMIT 1`;

/**
 * A signed checkpoint of the org's log as it is now: the latest one if the log has not grown since,
 * else a new one. Reads the head without locking it (its size and frontier come from one row
 * version), so checkpointing never waits on appends. Instances racing on one size keep the first.
 */
export async function checkpointAuditLog(orgId: string): Promise<CheckpointView> {
  const pool = db().pool;
  let head = await readHead(orgId);
  const latest = (await pool.query<CheckpointRow>(LATEST, [orgId])).rows[0];
  if (latest && Number(latest.tree_size) >= head.size) return checkpointView(latest);
  if (head.frontier.length !== frontierKeys(head.size).length) {
    // A log written before the tree was stored: rebuild its nodes once, under the log lock.
    await db().$transaction(async (tx) => void (await lockLogHead(txQuery(tx), orgId)), TX_OPTIONS);
    head = await readHead(orgId);
  }
  const { size, frontier } = head;
  const root = rootFromFrontier(frontier.map((h) => Buffer.from(h, "hex")));
  const { keyId, signer } = await activeSigner(orgId);
  const note = signNote(formatCheckpoint(logOrigin(orgId), size, root), [signer]);
  await pool.query(`INSERT INTO checkpoints (id, org_id, tree_size, root_hash, note, signing_key_id) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (org_id, tree_size) DO NOTHING`, [
    newId("checkpoint"),
    orgId,
    String(size),
    toHex(root),
    note,
    keyId,
  ]);
  const stored = await pool.query<CheckpointRow>(
    `SELECT c.tree_size, c.root_hash, ${cosignedNoteSql("c")} AS note, c.signing_key_id, c.created_at FROM checkpoints c WHERE c.org_id = $1 AND c.tree_size = $2`,
    [orgId, String(size)],
  );
  return checkpointView(stored.rows[0] as CheckpointRow);
}

/** The sweep the worker runs each second: a checkpoint for every log that grew since its last one. */
export async function checkpointGrowingLogs(): Promise<number> {
  const grown = await db().pool.query<{ org_id: string }>(
    `SELECT h.org_id FROM audit_log_heads h
     WHERE h.size > COALESCE((SELECT c.tree_size FROM checkpoints c WHERE c.org_id = h.org_id ORDER BY c.tree_size DESC LIMIT 1), -1)`,
  );
  for (const { org_id } of grown.rows) await checkpointAuditLog(org_id);
  return grown.rows.length;
}

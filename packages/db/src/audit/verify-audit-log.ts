import type { AuditVerification } from "@gatehouse/contracts";
import { chainHash, GENESIS_CHAIN_HASH } from "@gatehouse/core";
import { BundleVerifier, rootFromFrontier, toHex } from "@gatehouse/tlog";
import type pg from "pg";
import type { Ctx } from "../actors/context";
import { requireMemberPermission } from "../actors/require-permission";
import { db } from "../infra/client";
import { eventLoopSlices, fairShare } from "../infra/fair-share";
import { checkpointAuditLog } from "./checkpoint-audit-log";
import { logOrigin, vkeyOf } from "./signing-keys";

export type { AuditVerification };

const PAGE = 5_000;

/**
 * Recomputes the org's log from its stored rows: each leaf hash from the canonical text, each entry's
 * place (its canonical seq), the hash chain, the Merkle tree against every signed checkpoint (and
 * every signature, with the org's public keys), and finally the head. Uses the same verifier as
 * the offline `gatehouse verify`. Reads in pages, so memory stays flat for any log size. Runs in one
 * of the org's fair shares of the pool (infra/fair-share.ts): a burst of verifications queues.
 * Members need `audit.verify`; an agent's key may verify (the answer tells it nothing of other agents).
 */
export async function verifyAuditLog({ ctx, onProgress }: { ctx: Ctx; onProgress?: (checked: number, total: number) => void }): Promise<AuditVerification> {
  requireMemberPermission(ctx, "audit.verify");
  // Sign the head as it is now, so every entry is covered by a checkpoint the tree must match.
  return fairShare().run(ctx.org.id, "audit verification", async () => {
    await checkpointAuditLog(ctx.org.id);
    return verifyStored(ctx.org.id, onProgress);
  });
}

/**
 * {@link verifyAuditLog} without signing first: what is stored, against what is signed. Entries after
 * the last signed checkpoint (appended since the last signing) are checked against the head and
 * counted in `unsignedEntries`, since no signature covers them.
 */
export async function verifyStoredAuditLog({ ctx, onProgress }: { ctx: Ctx; onProgress?: (checked: number, total: number) => void }): Promise<AuditVerification> {
  return fairShare().run(ctx.org.id, "audit verification", () => verifyStored(ctx.org.id, onProgress));
}

type Query = <R extends pg.QueryResultRow>(text: string, values: unknown[]) => Promise<R[]>;

/** What verification starts from, read in one short snapshot: the head, the keys, the last checkpoint at or below the head, anything stored beyond it. */
interface Start {
  keys: Array<{ name: string; publicKey: string }>;
  head: { size: number; chainHash: string; frontier: string[] };
  signedThrough: number;
  extra: number;
}

async function readStart(orgId: string): Promise<Start> {
  const client = await db().pool.connect();
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const keys = (await client.query<{ name: string; public_key: string }>(`SELECT name, public_key FROM signing_keys WHERE org_id = $1`, [orgId])).rows;
    const headRow = (
      await client.query<{ size: string; chain_hash: string; frontier: string[] | null }>(`SELECT size, chain_hash, frontier FROM audit_log_heads WHERE org_id = $1`, [orgId])
    ).rows[0];
    const head = { size: Number(headRow?.size ?? 0), chainHash: headRow?.chain_hash ?? GENESIS_CHAIN_HASH, frontier: headRow?.frontier ?? [] };
    const signed = await client.query<{ n: string | null }>(`SELECT max(tree_size) AS n FROM checkpoints WHERE org_id = $1 AND tree_size <= $2`, [orgId, String(head.size)]);
    const beyond = await client.query<{ n: string }>(`SELECT count(*) AS n FROM (SELECT 1 FROM audit_entries WHERE org_id = $1 AND seq >= $2 LIMIT 1000) AS x`, [
      orgId,
      String(head.size),
    ]);
    await client.query("COMMIT");
    return {
      keys: keys.map((k) => ({ name: k.name, publicKey: k.public_key })),
      head,
      signedThrough: Number(signed.rows[0]?.n ?? -1),
      extra: Number(beyond.rows[0]?.n ?? 0),
    };
  } finally {
    await client.query("ROLLBACK").catch(() => {});
    client.release();
  }
}

/**
 * The scan holds no connection between reads: each page is one query on the pool, so a verification
 * of a million entries holds a connection for a few milliseconds at a time, never for its whole run.
 * What it reads is fixed by the start snapshot: entries below the head's size and checkpoints up to
 * the last one signed then never change (appends and newer checkpoints land above them), so the
 * pages need no long-lived transaction, and appends meanwhile are not mistaken for tampering.
 */
async function verifyStored(orgId: string, onProgress?: (checked: number, total: number) => void): Promise<AuditVerification> {
  const query: Query = async (text, values) => (await db().pool.query(text, values)).rows;
  const { keys, head, signedThrough, extra } = await readStart(orgId);
  // Entries appended since the last signing have no signature yet: the head (its chain hash and
  // tree) checks them instead, so they do not fail the check, and the answer counts them.
  const verifier = new BundleVerifier({
    keys: keys.map(vkeyOf),
    origin: logOrigin(orgId),
    allowUnsigned: true,
    progressEvery: PAGE,
    onProgress: (n) => onProgress?.(n, head.size),
  });

  let checkpoints: Array<{ tree_size: string; note: string }> = [];
  let checkpointCursor = -1;
  let nextCheckpoint = 0;
  const feedCheckpointsUpTo = async (size: number) => {
    for (;;) {
      if (nextCheckpoint >= checkpoints.length) {
        if (checkpointCursor === Number.MAX_SAFE_INTEGER) return;
        checkpoints = await query<{ tree_size: string; note: string }>(
          `SELECT tree_size, note FROM checkpoints WHERE org_id = $1 AND tree_size > $2 AND tree_size <= $3 ORDER BY tree_size LIMIT 1000`,
          [orgId, String(checkpointCursor), String(signedThrough)],
        );
        nextCheckpoint = 0;
        if (checkpoints.length === 0) {
          checkpointCursor = Number.MAX_SAFE_INTEGER;
          return;
        }
        checkpointCursor = Number((checkpoints[checkpoints.length - 1] as { tree_size: string }).tree_size);
      }
      const checkpoint = checkpoints[nextCheckpoint] as { tree_size: string; note: string };
      if (Number(checkpoint.tree_size) > size) return;
      verifier.addCheckpoint(checkpoint.note);
      nextCheckpoint += 1;
    }
  };

  let chain = GENESIS_CHAIN_HASH;
  let position = 0;
  // Windows of seq bounded on both sides: an index range scan whatever the table's statistics say
  // (an open-ended range on a freshly filled table gets planned as scan-and-sort of the whole log).
  // The next window is read while this one is checked.
  type EntryRow = { seq: string; canonical: string; leaf_hash: string; chain_hash: string };
  const read = (from: number) =>
    query<EntryRow>(`SELECT seq, canonical, leaf_hash, chain_hash FROM audit_entries WHERE org_id = $1 AND seq >= $2 AND seq < $3 ORDER BY seq`, [
      orgId,
      String(from),
      String(Math.min(from + PAGE, head.size)),
    ]);
  const pause = eventLoopSlices();
  let next = head.size > 0 ? read(0) : null;
  try {
    for (let from = 0; next && !verifier.failed; from += PAGE) {
      const rows = await next;
      next = from + PAGE < head.size ? read(from + PAGE) : null;
      for (const row of rows) {
        const seq = Number(row.seq);
        await feedCheckpointsUpTo(position);
        verifier.addEntry(seq, row.canonical, row.leaf_hash);
        if (verifier.failed) break;
        chain = chainHash(chain, row.leaf_hash);
        if (chain !== row.chain_hash) verifier.fail(`entry ${seq}: its chain hash does not follow from the entries before it`, seq);
        position += 1;
        // Let other requests run between slices of hashing: a page is tens of milliseconds of CPU.
        await pause();
      }
    }
  } finally {
    // A verification that stopped early leaves one read in flight; its outcome no longer matters.
    await next?.catch(() => undefined);
  }
  if (!verifier.failed) await feedCheckpointsUpTo(Number.MAX_SAFE_INTEGER);

  const rebuilt = verifier.rebuilt;
  if (!verifier.failed) {
    if (rebuilt.size < head.size) verifier.fail(`the log head counts ${head.size} entries but only ${rebuilt.size} are stored: entries were removed from the end`, rebuilt.size);
    else if (extra > 0) verifier.fail(`entries are stored beyond the log head (size ${head.size}): entries were added outside the log`, head.size);
    else if (chain !== head.chainHash) verifier.fail("the log head's chain hash does not match the last entry", head.size - 1);
    else if (head.frontier.length > 0 && !rootFromFrontier(head.frontier.map((h) => Buffer.from(h, "hex"))).equals(rebuilt.root)) {
      verifier.fail("the log head's tree does not match the stored entries", head.size - 1);
    }
  }
  const report = verifier.finish();
  return {
    valid: report.valid,
    checkedEntries: report.checkedEntries,
    checkedCheckpoints: report.checkedCheckpoints,
    firstBrokenSeq: report.firstBrokenSeq,
    treeSize: rebuilt.size,
    rootHash: toHex(rebuilt.root),
    problem: report.problem,
    unsignedEntries: report.unsigned?.count ?? 0,
  };
}

import type { AuditVerification } from "@gatehouse/contracts";
import { GENESIS_CHAIN_HASH } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requirePermissionUnlessAgent } from "../actors/require-permission";
import { db } from "../infra/client";
import { fairShare } from "../infra/fair-share";
import { runAdmittedStep, workPool, workTask, type WorkPool } from "../infra/work-pool";
import { workerDatabaseOf } from "../infra/worker-database";
import { checkpointAuditLog } from "./checkpoint-audit-log";
import { logOrigin, vkeyOf } from "./signing-keys";
import type { VerifyStepInput, VerifyStepOutput } from "./verify-stored-step";

export type { AuditVerification };

/** onProgress is told every this many entries. */
const PROGRESS_EVERY = 5_000;
const verifyStep = workTask<VerifyStepInput, VerifyStepOutput>("@gatehouse/db/work-steps", "verifyStoredStep");

interface VerifyOptions {
  ctx: Ctx;
  onProgress?: (checked: number, total: number) => void;
  /** Where the checking runs (tests pass a pool of their own). */
  work?: WorkPool;
}

/**
 * Recomputes the org's log from its stored rows: each leaf hash from the canonical text, each entry's
 * place (its canonical seq), the hash chain, the Merkle tree against every signed checkpoint (and
 * every signature, with the org's public keys), and finally the head. Uses the same verifier as
 * the offline `gatehouse verify`. Reads in pages, so memory stays flat for any log size. Runs in one
 * of the org's fair shares of the pool (infra/fair-share.ts): a burst of verifications queues.
 * Members need `audit.verify`; an agent's key may verify (the answer tells it nothing of other agents).
 */
export async function verifyAuditLog({ ctx, onProgress, work = workPool() }: VerifyOptions): Promise<AuditVerification> {
  requirePermissionUnlessAgent(ctx, "audit.verify");
  // Sign the head as it is now, so every entry is covered by a checkpoint the tree must match.
  return fairShare().run(ctx.org.id, "audit verification", async () => {
    await checkpointAuditLog(ctx.org.id);
    return verifyStored(ctx.org.id, onProgress, work);
  });
}

/**
 * {@link verifyAuditLog} without signing first: what is stored, against what is signed. Entries after
 * the last signed checkpoint (appended since the last signing) are checked against the head and
 * counted in `unsignedEntries`, since no signature covers them.
 */
export async function verifyStoredAuditLog({ ctx, onProgress, work = workPool() }: VerifyOptions): Promise<AuditVerification> {
  return fairShare().run(ctx.org.id, "audit verification", () => verifyStored(ctx.org.id, onProgress, work));
}

/** What verification starts from, read in one short snapshot: the head, the keys, the last checkpoint at or below the head, anything stored beyond it. */
interface Start {
  keys: Array<{ name: string; publicKey: string }>;
  head: { size: number; chainHash: string; frontier: string[] };
  signedThrough: number;
  extra: number;
  /** Where the log starts once its oldest months were dropped (audit_log_starts), or null: at seq 0. */
  start: { size: number; chainHash: string; frontier: string[] } | null;
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
    const startRow = (
      await client.query<{ size: string; chain_hash: string; frontier: string[] }>(`SELECT size, chain_hash, frontier FROM audit_log_starts WHERE org_id = $1`, [orgId])
    ).rows[0];
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
      start: startRow ? { size: Number(startRow.size), chainHash: startRow.chain_hash, frontier: startRow.frontier } : null,
    };
  } finally {
    await client.query("ROLLBACK").catch(() => {});
    client.release();
  }
}

/**
 * The scan holds no connection of the process's pool: each step reads its window of entries (and the
 * checkpoints they reach) on its worker's own connection and checks it there (verifyStoredStep, on the
 * work pool, in the org's turn), so the API's event loop neither decodes the rows nor copies them;
 * only the verifier's state crosses, in and out. What it reads is fixed by the start snapshot: entries
 * below the head's size and checkpoints up to the last one signed then never change (appends and newer
 * checkpoints land above them), so the steps need no long-lived transaction, and appends meanwhile
 * are not mistaken for tampering. A step the pool cannot finish fails the verification (503), never
 * answers valid.
 */
async function verifyStored(orgId: string, onProgress: ((checked: number, total: number) => void) | undefined, work: WorkPool): Promise<AuditVerification> {
  const { keys, head, signedThrough, extra, start } = await readStart(orgId);
  const fixed = {
    database: workerDatabaseOf(db().pool),
    orgId,
    options: { keys: keys.map(vkeyOf), origin: logOrigin(orgId) },
    signedThrough,
    head,
    extra,
    start: start ? { size: start.size, frontier: start.frontier } : null,
  };
  // A log whose oldest months were dropped is checked from where it now starts: its frontier and chain hash there.
  const first = { chain: start?.chainHash ?? GENESIS_CHAIN_HASH, position: start?.size ?? 0 };
  // Entries appended since the last signing have no signature yet: the head (its chain hash and
  // tree) checks them instead, so they do not fail the check, and the answer counts them.
  let at: VerifyStepOutput | null = null;
  let checked = 0;
  for (;;) {
    const out: VerifyStepOutput = await runAdmittedStep(
      work,
      verifyStep,
      {
        ...fixed,
        state: at?.state ?? null,
        chain: at?.chain ?? first.chain,
        position: at?.position ?? first.position,
        failed: at?.failed ?? false,
        from: at?.from ?? first.position,
        fedThrough: at?.fedThrough ?? first.position - 1,
      },
      { key: orgId, what: "audit verification" },
    );
    if (out.report) return out.report;
    for (let n = (Math.floor(checked / PROGRESS_EVERY) + 1) * PROGRESS_EVERY; n <= out.checkedEntries; n += PROGRESS_EVERY) onProgress?.(n, head.size);
    checked = out.checkedEntries;
    at = out;
  }
}

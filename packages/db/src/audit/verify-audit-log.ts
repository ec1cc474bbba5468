import type { AuditVerification } from "@gatehouse/contracts";
import { GENESIS_CHAIN_HASH, packEntries, type LogPageInput, type LogPageOutput } from "@gatehouse/core";
import type pg from "pg";
import type { Ctx } from "../actors/context";
import { requirePermissionUnlessAgent } from "../actors/require-permission";
import { db } from "../infra/client";
import { fairShare } from "../infra/fair-share";
import { runAdmittedStep, workPool, workTask, type WorkPool } from "../infra/work-pool";
import { checkpointAuditLog } from "./checkpoint-audit-log";
import { logOrigin, vkeyOf } from "./signing-keys";

export type { AuditVerification };

const PAGE = 5_000;
/** Entries a worker checks per job: small enough that the page's copy to the worker is quick and another org's job waits little. */
const STEP = 1_000;
const CHECKPOINT_PAGE = 1_000;
const verifyPage = workTask<LogPageInput, LogPageOutput>("@gatehouse/core", "verifyLogPage");

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
 *
 * The checking runs on the work pool (infra/work-pool.ts), in the org's turn: this loop only reads
 * a page, hands it to a worker in steps of STEP entries with the checkpoints up to each step's end
 * and the verifier's state (plain data: its tree's frontier, the running chain hash), and awaits.
 * A step the pool cannot finish fails the verification (503), never answers valid.
 */
async function verifyStored(orgId: string, onProgress: ((checked: number, total: number) => void) | undefined, work: WorkPool): Promise<AuditVerification> {
  const query: Query = async (text, values) => (await db().pool.query(text, values)).rows;
  const { keys, head, signedThrough, extra } = await readStart(orgId);
  const options = { keys: keys.map(vkeyOf), origin: logOrigin(orgId) };
  const step = (input: Omit<LogPageInput, "options">) => runAdmittedStep(work, verifyPage, { options, ...input }, { key: orgId, what: "audit verification" });
  // Entries appended since the last signing have no signature yet: the head (its chain hash and
  // tree) checks them instead, so they do not fail the check, and the answer counts them.
  let at: Pick<LogPageOutput, "chain" | "position" | "failed"> = { chain: GENESIS_CHAIN_HASH, position: 0, failed: false };
  let state: LogPageInput["state"] = null;
  // Checkpoints up to this size went to the verifier already.
  let fedThrough = -1;
  const checkpointsThrough = async (through: number, limit: number) => {
    const rows = await query<{ tree_size: string; note: string }>(
      `SELECT tree_size, note FROM checkpoints WHERE org_id = $1 AND tree_size > $2 AND tree_size <= $3 ORDER BY tree_size LIMIT ${limit}`,
      [orgId, String(fedThrough), String(Math.min(through, signedThrough))],
    );
    return rows.map((r) => ({ size: Number(r.tree_size), note: r.note }));
  };
  let checked = 0;
  const progress = (now: number) => {
    for (let n = (Math.floor(checked / PAGE) + 1) * PAGE; n <= now; n += PAGE) onProgress?.(n, head.size);
    checked = now;
  };

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
  let next = head.size > 0 ? read(0) : null;
  try {
    for (let from = 0; next && !at.failed; from += PAGE) {
      const rows = await next;
      next = from + PAGE < head.size ? read(from + PAGE) : null;
      for (let i = 0; i < rows.length && !at.failed; i += STEP) {
        const entries = rows.slice(i, i + STEP).map((row) => ({ seq: Number(row.seq), canonical: row.canonical, leafHash: row.leaf_hash, chainHash: row.chain_hash }));
        // A step's checkpoints: those the entries reach (sizes are unique per org, so at most STEP + 1).
        const through = at.position + entries.length;
        const checkpoints = await checkpointsThrough(through, STEP + 1);
        const out = await step({ state, chain: at.chain, position: at.position, entries: packEntries(entries), checkpoints });
        fedThrough = through;
        state = out.state;
        at = out;
        progress(out.checkedEntries);
      }
    }
  } finally {
    // A verification that stopped early leaves one read in flight; its outcome no longer matters.
    await next?.catch(() => undefined);
  }
  // The checkpoints beyond the entries (all of them signed before the start), then the head.
  for (;;) {
    const checkpoints = at.failed ? [] : await checkpointsThrough(Number.MAX_SAFE_INTEGER, CHECKPOINT_PAGE);
    const last = checkpoints.length < CHECKPOINT_PAGE;
    const out = await step({ state, chain: at.chain, position: at.position, entries: [], checkpoints, ...(last ? { finish: { head, extra } } : {}) });
    if (checkpoints.length > 0) fedThrough = (checkpoints[checkpoints.length - 1] as { size: number }).size;
    state = out.state;
    at = out;
    if (out.report) return out.report;
  }
}

import { verifyLogPage, type LogPageInput, type LogPageOutput, type StoredEntry, type StoredFields, type StoredLogHead } from "@gatehouse/core";
import { readAhead, takeAhead, workerPool, type WorkerDatabase } from "../infra/worker-database";

/** Entries a step reads and checks: small enough that another org's job waits little behind one. */
export const VERIFY_STEP = 1_000;
/** Checkpoints a step past the entries feeds. */
const CHECKPOINT_PAGE = 1_000;

export interface VerifyStepInput {
  database: WorkerDatabase;
  orgId: string;
  options: LogPageInput["options"];
  /** The verifier as the last step left it (null: the first step), the chain hash and how many entries were checked. */
  state: LogPageInput["state"];
  chain: string;
  position: number;
  failed: boolean;
  /** The next window of seqs to read starts here; windows are VERIFY_STEP wide. */
  from: number;
  /** Checkpoints up to this size were fed already. */
  fedThrough: number;
  /** The last checkpoint signed at the start (none past it is read). */
  signedThrough: number;
  /** The head read at the start and how many entries are stored beyond it. */
  head: StoredLogHead;
  /** Where the log starts when its oldest months were dropped (audit_log_starts), or null. */
  start: LogPageInput["start"];
  extra: number;
}

export interface VerifyStepOutput extends LogPageOutput {
  from: number;
  fedThrough: number;
}

type EntryRow = { seq: string; canonical: string; leaf_hash: string; chain_hash: string; fields: StoredFields | null };

/**
 * One step of verifyAuditLog, run on a work-pool worker (docs/adr/0016): reads its window of the org's
 * entries (seq in [from, from + VERIFY_STEP), below the head) and the checkpoints they reach, on the
 * worker's own connection, and checks them with core's verifyLogPage; once past the entries, it feeds
 * the remaining checkpoints a page at a time and, on the last page, compares with the head and answers
 * the report. Reads the next window ahead while this one is checked. The rows never cross to the API's
 * event loop: only the verifier's state does.
 */
export async function verifyStoredStep(input: VerifyStepInput): Promise<VerifyStepOutput> {
  const pool = workerPool(input.database);
  const { orgId, head } = input;
  const windowKey = (from: number) => `verify:${orgId}:${head.size}:${from}`;
  const readWindow = (from: number) => () =>
    pool
      .query<EntryRow>(`SELECT seq, canonical, leaf_hash, chain_hash, fields FROM audit_entries WHERE org_id = $1 AND seq >= $2 AND seq < $3 ORDER BY seq`, [
        orgId,
        String(from),
        String(Math.min(from + VERIFY_STEP, head.size)),
      ])
      .then((result) => result.rows);
  const checkpointsThrough = async (through: number, limit: number) =>
    (
      await pool.query<{ tree_size: string; note: string }>(
        `SELECT tree_size, note FROM checkpoints WHERE org_id = $1 AND tree_size > $2 AND tree_size <= $3 ORDER BY tree_size LIMIT ${limit}`,
        [orgId, String(input.fedThrough), String(Math.min(through, input.signedThrough))],
      )
    ).rows.map((r) => ({ size: Number(r.tree_size), note: r.note }));
  const page = { options: input.options, state: input.state, chain: input.chain, position: input.position, start: input.start };

  if (!input.failed && input.from < head.size) {
    const rows = await takeAhead(windowKey(input.from), readWindow(input.from));
    const next = input.from + VERIFY_STEP;
    if (next < head.size) readAhead(windowKey(next), readWindow(next));
    const entries: StoredEntry[] = rows.map((row) => ({ seq: Number(row.seq), canonical: row.canonical, leafHash: row.leaf_hash, chainHash: row.chain_hash, fields: row.fields }));
    // The checkpoints the entries reach (sizes are unique per org, so at most VERIFY_STEP + 1).
    const through = input.position + entries.length;
    const checkpoints = await checkpointsThrough(through, VERIFY_STEP + 1);
    return { ...verifyLogPage({ ...page, entries, checkpoints }), from: next, fedThrough: through };
  }
  // Past the entries: the checkpoints beyond them (all signed before the start), then the head.
  const checkpoints = input.failed ? [] : await checkpointsThrough(Number.MAX_SAFE_INTEGER, CHECKPOINT_PAGE);
  const last = checkpoints.length < CHECKPOINT_PAGE;
  const out = verifyLogPage({ ...page, entries: [], checkpoints, ...(last ? { finish: { head, extra: input.extra } } : {}) });
  return { ...out, from: input.from, fedThrough: checkpoints.at(-1)?.size ?? input.fedThrough };
}

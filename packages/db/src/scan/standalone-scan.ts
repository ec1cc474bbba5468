import { scanBodySchema } from "@gatehouse/contracts";
import {
  ContentLimitError,
  ORG_SCREEN_INLINE_WORK,
  orgScreenWork,
  rateLimited,
  scanContent,
  scanTexts,
  scanWeight,
  unavailable,
  validationError,
  zodIssues,
  type ContentLimitName,
  type ScanInput,
  type ScanResult,
} from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requirePermissionUnlessAgent } from "../actors/require-permission";
import { dbEnv } from "../infra/env";
import { orgDetectors } from "../snapshots/org-detectors";
import { WorkCrashed, WorkFailed, WorkQueueFull, WorkTimeout, workPool, workTask, type WorkPool } from "../infra/work-pool";

/**
 * Scans up to this much text (UTF-16 code units: a text's length, a JSON value's strings and keys) run
 * on the event loop; larger ones are jobs of the work pool, in the org's turn there. Measured on the
 * 2-core development machine (Node 20, medians): a 4,096-character scan costs the event loop ~0.08 ms
 * of prose and ~0.5 ms of the worst text tried (addresses and card numbers back to back); a job of the
 * pool costs it ~0.15–0.2 ms whatever its size, and 256 KiB costs ~5 ms of prose and up to ~70 ms of
 * that worst text on a worker (docs/content.md, "Standalone scan").
 */
export const INLINE_SCAN_MAX = 4_096;

const scanTask = workTask<ScanInput, ScanResult>("@gatehouse/core", "scanContent");

/**
 * `POST /v1/scan` (docs/content.md, "Standalone scan"): the content screen's detectors (the built-in
 * table and the org's own) over a text or a JSON value, both classes, whatever the org's content
 * settings; nothing is written. Any key of the org: agents', and members' with `content.scan`. A large scan runs on the
 * work pool keyed by the org (one job of an org at a time, its further jobs after other orgs' in turn);
 * one the pool cannot finish is a 400 naming the field (past its time or memory), a 429 when the org's
 * work already waits there, a 503 when its worker ended otherwise.
 */
export async function standaloneScan({ ctx, input, work = workPool() }: { ctx: Ctx; input: unknown; work?: WorkPool }): Promise<ScanResult> {
  requirePermissionUnlessAgent(ctx, "content.scan");
  const parsed = scanBodySchema.safeParse(input);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const { text, json } = parsed.data;
  const { specs } = await orgDetectors(ctx.org.id);
  const own = specs.length === 0 ? {} : { detectors: specs };
  const scan: ScanInput = text !== undefined ? { text, ...own } : { json, ...own };
  const field = text !== undefined ? "text" : "json";
  // Inline only when both the built-in table's reading and the org detectors' work are small (their budget: core's screen-budget.ts).
  if (scanWeight(scan) <= INLINE_SCAN_MAX && (specs.length === 0 || orgScreenWork({ specs, texts: scanTexts(scan) }) <= ORG_SCREEN_INLINE_WORK)) return scanContent(scan);
  try {
    return await work.run(scanTask, scan, { key: ctx.org.id });
  } catch (error) {
    if (error instanceof WorkQueueFull)
      throw rateLimited(`${error.queued} jobs of this org already wait for the work pool; try again when they are done`, 1, { queued: error.queued });
    if (error instanceof WorkTimeout) throw validationError([{ path: field, message: `could not be scanned within ${Math.round(error.timeoutMs / 1000)} s; send less at once` }]);
    if (error instanceof WorkCrashed && error.outOfMemory)
      throw validationError([{ path: field, message: `needs more than ${dbEnv().WORK_MEMORY_MB} MB to scan; send less at once` }]);
    if (error instanceof WorkCrashed) throw unavailable("the scan stopped: its worker ended; try again shortly", 5);
    // Past the org detectors' budget: the worker's ContentLimitError, as it crossed.
    if (error instanceof WorkFailed && error.errorName === "ContentLimitError") throw new ContentLimitError(error.fields.limit as ContentLimitName, field);
    throw error;
  }
}

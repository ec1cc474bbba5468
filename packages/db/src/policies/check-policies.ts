import { rateLimited, unavailable, validationError, type PolicyCheck, type PolicyCheckOf, type PolicyCheckPart, type PolicySourceFormat, type SourceIssue } from "@gatehouse/core";
import { WorkCrashed, WorkQueueFull, WorkTimeout, workPool, workTask } from "../infra/work-pool";
import { dbEnv } from "../infra/env";

const checkSource = workTask<{ source: string; format: PolicySourceFormat; answer: readonly PolicyCheckPart[] }, PolicyCheck>("@gatehouse/core", "checkPolicySource");
const checkSet = workTask<{ set: unknown; answer: readonly PolicyCheckPart[] }, PolicyCheck>("@gatehouse/core", "checkPolicySet");
const checkLimits = workTask<{ source: string; format: PolicySourceFormat }, SourceIssue | null>("@gatehouse/core", "checkPolicySourceLimits");
const formatSet = workTask<{ set: { policies: readonly object[]; tests?: readonly object[] }; format: PolicySourceFormat }, string>("@gatehouse/core", "formatPolicySet");

/**
 * Runs a task on the work pool in the org's turn. Whatever the input makes the worker do ends as an
 * answer to this caller only: past the time limit or the worker's memory, a 400 naming `field`; with
 * too many of the org's checks waiting, a 429.
 */
async function onPool<T>(field: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof WorkTimeout)
      throw validationError([{ path: field, message: `could not be checked within ${Math.round(error.timeoutMs / 1000)} s; make it smaller or simpler` }]);
    if (error instanceof WorkCrashed) {
      throw validationError([
        {
          path: field,
          message: error.outOfMemory
            ? `needs more than ${dbEnv().WORK_MEMORY_MB} MB to check; make it smaller or simpler`
            : "could not be checked (its worker stopped); make it smaller or simpler",
        },
      ]);
    }
    if (error instanceof WorkQueueFull)
      throw rateLimited(`${error.queued} policy checks of this org are already waiting; try again when they are done`, 1, { queued: error.queued });
    throw error;
  }
}

/** A policy check on the work pool (see onPool); a set that does not parse is a 400 with its issues. */
async function offLoop<P extends PolicyCheckPart>(field: string, run: () => Promise<PolicyCheck>): Promise<Extract<PolicyCheckOf<P>, { ok: true }>> {
  const check = await onPool(field, run);
  if (!check.ok) throw validationError(check.issues);
  return check;
}

/**
 * A policy source parsed and its tests run off the event loop (issues carry their line). `answer`:
 * the parts the caller uses, the only ones that cross back (a set of hundreds of policies is a large copy).
 */
export function checkPolicySourceOffLoop<P extends PolicyCheckPart>(orgId: string, input: { source: string; format: PolicySourceFormat }, answer: readonly P[]) {
  return offLoop<P>("source", () => workPool().run(checkSource, { ...input, answer }, { key: orgId }));
}

/** A JSON policy set (`{ policies, tests }`) parsed and its tests run off the event loop; `answer` as for checkPolicySourceOffLoop. */
export function checkPolicySetOffLoop<P extends PolicyCheckPart>(orgId: string, set: unknown, answer: readonly P[]) {
  return offLoop<P>("policies", () => workPool().run(checkSet, { set, answer }, { key: orgId }));
}

/** A draft's source counted against the source limits off the event loop, before it is stored: a 400 naming `source` with its line when over. */
export async function checkPolicySourceLimitsOffLoop(orgId: string, input: { source: string; format: PolicySourceFormat }): Promise<void> {
  const over = await onPool("source", () => workPool().run(checkLimits, input, { key: orgId }));
  if (over) throw validationError([over]);
}

/**
 * A set formatted as source text off the event loop (the editor's start: the org's active set). The
 * org's own stored set, so a worker that cannot finish is the service's trouble: 503 with Retry-After;
 * with too many of the org's checks waiting, a 429.
 */
export async function formatPolicySetOffLoop(
  orgId: string,
  input: { set: { policies: readonly object[]; tests?: readonly object[] }; format: PolicySourceFormat },
): Promise<string> {
  try {
    return await workPool().run(formatSet, input, { key: orgId });
  } catch (error) {
    if (error instanceof WorkQueueFull)
      throw rateLimited(`${error.queued} policy checks of this org are already waiting; try again when they are done`, 1, { queued: error.queued });
    if (error instanceof WorkTimeout || error instanceof WorkCrashed) throw unavailable("the policy set could not be formatted now; try again shortly", 5);
    throw error;
  }
}

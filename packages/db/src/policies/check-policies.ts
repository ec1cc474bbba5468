import { rateLimited, validationError, type PolicyCheck, type PolicySourceFormat } from "@gatehouse/core";
import { WorkCrashed, WorkQueueFull, WorkTimeout, workPool, workTask } from "../infra/work-pool";
import { dbEnv } from "../infra/env";

const checkSource = workTask<{ source: string; format: PolicySourceFormat }, PolicyCheck>("@gatehouse/core", "checkPolicySource");
const checkSet = workTask<unknown, PolicyCheck>("@gatehouse/core", "checkPolicySet");

/**
 * Runs a policy check on the work pool in the org's turn. Whatever the input makes the worker do
 * ends as an answer to this caller only: past the time limit or the worker's memory, a 400 naming
 * `field`; with too many of the org's checks waiting, a 429.
 */
async function offLoop(field: string, run: () => Promise<PolicyCheck>): Promise<Extract<PolicyCheck, { ok: true }>> {
  let check: PolicyCheck;
  try {
    check = await run();
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
  if (!check.ok) throw validationError(check.issues);
  return check;
}

/** A policy source parsed and its tests run off the event loop (issues carry their line). */
export function checkPolicySourceOffLoop(orgId: string, input: { source: string; format: PolicySourceFormat }) {
  return offLoop("source", () => workPool().run(checkSource, input, { key: orgId }));
}

/** A JSON policy set (`{ policies, tests }`) parsed and its tests run off the event loop. */
export function checkPolicySetOffLoop(orgId: string, input: unknown) {
  return offLoop("policies", () => workPool().run(checkSet, input, { key: orgId }));
}

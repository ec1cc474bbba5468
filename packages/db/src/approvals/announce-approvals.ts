import { publishAfterCommit } from "../infra/signals";

const CHUNK = 1_000;

/**
 * After a commit that changed approvals (and appended to the log): wake their waiters on every
 * instance and tell event streams the log grew. Observation: a failed publish costs latency (the
 * database poll still finds the change), never the committed change.
 */
export async function announceApprovals(orgId: string, approvalIds: readonly string[]): Promise<void> {
  if (approvalIds.length === 0) return;
  const publishes: Array<Promise<void>> = [];
  for (let i = 0; i < approvalIds.length; i += CHUNK) {
    publishes.push(publishAfterCommit({ type: "approvals.changed", orgId, approvalIds: approvalIds.slice(i, i + CHUNK) }));
  }
  publishes.push(announceAppended(orgId));
  await Promise.all(publishes);
}

/** Tells event streams that the org's log grew. */
async function announceAppended(orgId: string): Promise<void> {
  await publishAfterCommit({ type: "audit.appended", orgId });
}

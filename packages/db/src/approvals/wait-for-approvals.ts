import type { ApprovalOutcome, ApprovalWaitResult } from "@gatehouse/contracts";
import type { Ctx } from "../actors/context";
import { requirePermissionUnlessAgent } from "../actors/require-permission";
import { approvalWaiters } from "./approval-waiters";
import { readApprovals } from "./read-approvals";
import { MAX_WAIT_MS, waitReads } from "./wait-for-approval";

/**
 * Shared long-poll over a set of approvals (what one SDK client's waiting gates ask together):
 * answers at once when any of them is no longer pending or is not the caller's to see, otherwise as
 * soon as one is decided or `timeoutMs` passes. The answer holds every approval of the set that is no
 * longer pending (its outcome, a lighter read than the whole approval), the ids still pending and the
 * ids not found. As with one wait, the set parks
 * before it reads, so a decision committed in between still wakes it; an approval past its deadline
 * is recorded as expired when answered.
 *
 * An id of another org or (for an agent key) another agent is "not found" exactly like a missing one.
 */
export async function waitForApprovals({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { approvalIds: readonly string[]; timeoutMs: number; signal?: AbortSignal };
}): Promise<ApprovalWaitResult> {
  requirePermissionUnlessAgent(ctx, "approvals.read");
  const { signal } = input;
  const ids = [...new Set(input.approvalIds)];
  const deadline = Date.now() + Math.min(Math.max(0, input.timeoutMs), MAX_WAIT_MS);
  const group = approvalWaiters().parkAll(ids);
  try {
    const states = await Promise.all(ids.map((id) => waitReads.states.load(ctx.org.id, id)));
    /** Each pending approval's deadline. */
    const pending = new Map<string, number>();
    const done: string[] = [];
    const notFound: string[] = [];
    ids.forEach((id, i) => {
      const state = states[i];
      if (!state || !maySee(ctx, state.agentId)) notFound.push(id);
      else if (state.status !== "pending") done.push(id);
      else pending.set(id, state.expiresAt.getTime());
    });
    if (done.length > 0 || notFound.length > 0) return await answer(ctx, await loadOutcomes(ctx, done), pending, notFound);

    for (;;) {
      const now = Date.now();
      const soonest = earliest(pending);
      if (now >= soonest) break; // answering records the expiry
      const remaining = deadline - now;
      if (remaining <= 0 || signal?.aborted) break;
      // Wake at the soonest approval deadline too, to record its expiry (the worker may be busy or not running).
      const woken = await group.next(Math.min(remaining, soonest - now + 50), signal);
      if (group.closed || signal?.aborted) break;
      if (!woken) continue;
      // A bulk decision wakes waiters in slices, one per turn: let the slices of this one land, read them
      // together, and keep reading what woke while that read was out.
      await new Promise((resolve) => setImmediate(resolve));
      const decided: ApprovalOutcome[] = [];
      for (let batch = group.takeWoken(); batch.length > 0; batch = group.takeWoken()) {
        // One still pending had a vote short of the quorum: it keeps waiting, its deadline unchanged.
        for (const outcome of await loadOutcomes(
          ctx,
          batch.filter((id) => pending.has(id)),
        )) {
          if (outcome.status !== "pending") decided.push(outcome);
        }
      }
      if (decided.length > 0) return await answer(ctx, decided, pending, []);
    }
    return await answer(ctx, [], pending, []);
  } finally {
    group.leave();
  }
}

/** The answer: the decided approvals, those of `pending` past their deadline recorded as expired first, and the rest still pending. */
async function answer(ctx: Ctx, decided: readonly ApprovalOutcome[], pending: Map<string, number>, notFound: string[]): Promise<ApprovalWaitResult> {
  const approvals: ApprovalOutcome[] = [...decided];
  for (const view of decided) pending.delete(view.id);
  const now = Date.now();
  const overdue = [...pending].filter(([, expiresAt]) => expiresAt <= now).map(([id]) => id);
  if (overdue.length > 0) {
    for (const view of await readApprovals(ctx, overdue)) {
      if (view.status === "pending") continue;
      approvals.push(view);
      pending.delete(view.id);
    }
  }
  return { approvals, pending: [...pending.keys()], notFound };
}

/** The approvals' outcomes, through the reads every wait shares; ones the caller may not see are left out. */
async function loadOutcomes(ctx: Ctx, ids: readonly string[]): Promise<ApprovalOutcome[]> {
  const found = await Promise.all(ids.map((id) => waitReads.outcomes.load(ctx.org.id, id)));
  return found.filter((outcome): outcome is ApprovalOutcome => outcome !== undefined && maySee(ctx, outcome.agentId));
}

/** An agent's key sees its own agent's approvals; a member's key every approval of the org (the reads are per org). */
function maySee(ctx: Ctx, agentId: string): boolean {
  return ctx.actor.type !== "agent" || ctx.actor.agentId === agentId;
}

function earliest(deadlines: Map<string, number>): number {
  let soonest = Number.POSITIVE_INFINITY;
  for (const at of deadlines.values()) if (at < soonest) soonest = at;
  return soonest;
}

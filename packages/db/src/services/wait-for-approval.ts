import { notFound } from "@gatehouse/core";
import { approvalWaiters } from "../approval-waiters";
import type { Ctx } from "../context";
import { loadApprovalViews, type ApprovalView } from "./approval-view";
import { readApprovals } from "./get-approval";
import { requireApprovalReader } from "./list-approvals";

/** The longest a single wait holds its request, so proxies and load balancers never cut it. */
export const MAX_WAIT_MS = 25_000;

/**
 * Long-poll: answers the approval at once when it is no longer pending, otherwise when it changes or
 * `timeoutMs` passes (answering it as it is then). The waiter parks before it reads, so a decision
 * committed between the read and the park still wakes it.
 */
export async function waitForApproval({ ctx, input }: { ctx: Ctx; input: { approvalId: string; timeoutMs: number; signal?: AbortSignal } }): Promise<ApprovalView> {
  requireApprovalReader(ctx);
  const deadline = Date.now() + Math.min(Math.max(0, input.timeoutMs), MAX_WAIT_MS);
  const parked = approvalWaiters().park(input.approvalId);
  // Every read goes through the batcher: thousands of waits arriving (or woken) together share a few queries.
  const read = async (): Promise<ApprovalView> => {
    const view = await loadSoon(ctx.org.id, input.approvalId);
    if (!view || (ctx.actor.type === "agent" && view.agentId !== ctx.actor.agentId)) throw notFound("approval");
    if (view.status === "pending" && Date.parse(view.expiresAt) <= Date.now()) return (await readApprovals(ctx, [input.approvalId]))[0] ?? view;
    return view;
  };
  try {
    // While parked, hold only the deadline (10,000 waiters × a full approval object adds up).
    let view: ApprovalView | null = await read();
    while (view?.status === "pending") {
      const expiresAt = Date.parse(view.expiresAt);
      view = null;
      const now = Date.now();
      const remaining = deadline - now;
      if (remaining <= 0 || input.signal?.aborted) break;
      // Wake at the deadline of the approval too, to record its expiry (the sweeper may be busy).
      await parked.next(Math.min(remaining, Math.max(0, expiresAt - now + 50)), input.signal);
      if (parked.closed || input.signal?.aborted) break;
      view = await read();
    }
    return view ?? (await read());
  } finally {
    parked.leave();
  }
}

/**
 * Reads for waits, batched: every wait that reads in the same event-loop turn shares one query per
 * org (1,000 ids each), so parking or releasing thousands of waiters costs a few queries, not thousands.
 */
type Pending = { resolve: (view: ApprovalView | undefined) => void; reject: (error: unknown) => void };
const batches = new Map<string, Map<string, Pending[]>>();

function loadSoon(orgId: string, approvalId: string): Promise<ApprovalView | undefined> {
  return new Promise((resolve, reject) => {
    let batch = batches.get(orgId);
    if (!batch) {
      batch = new Map();
      batches.set(orgId, batch);
      setImmediate(() => void flush(orgId));
    }
    const list = batch.get(approvalId) ?? [];
    list.push({ resolve, reject });
    batch.set(approvalId, list);
  });
}

async function flush(orgId: string): Promise<void> {
  const batch = batches.get(orgId);
  batches.delete(orgId);
  if (!batch) return;
  const ids = [...batch.keys()];
  for (let i = 0; i < ids.length; i += 1_000) {
    const slice = ids.slice(i, i + 1_000);
    try {
      const views = new Map((await loadApprovalViews(orgId, slice)).map((v) => [v.id, v]));
      for (const id of slice) for (const p of batch.get(id) ?? []) p.resolve(views.get(id));
    } catch (error) {
      for (const id of slice) for (const p of batch.get(id) ?? []) p.reject(error);
    }
  }
}

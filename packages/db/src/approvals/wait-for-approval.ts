import { notFound } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { loadApprovalOutcomes, loadApprovalStates, loadApprovalViews, type ApprovalState, type ApprovalView } from "./approval-view";
import type { ApprovalOutcome } from "@gatehouse/contracts";
import { approvalWaiters } from "./approval-waiters";
import { readApprovals } from "./read-approvals";
import { requirePermissionUnlessAgent } from "../actors/require-permission";

/** The longest a single wait holds its request, so proxies and load balancers never cut it. */
export const MAX_WAIT_MS = 25_000;

/**
 * Long-poll: answers the approval at once when it is no longer pending, otherwise when it changes or
 * `timeoutMs` passes (answering it as it is then). The waiter parks before it reads, so a decision
 * committed between the read and the park still wakes it. A wait that parks reads only the
 * approval's state (status, agent, deadline); the full approval is read when it answers.
 */
export async function waitForApproval({ ctx, input }: { ctx: Ctx; input: { approvalId: string; timeoutMs: number; signal?: AbortSignal } }): Promise<ApprovalView> {
  requirePermissionUnlessAgent(ctx, "approvals.read");
  const { approvalId, signal } = input;
  const deadline = Date.now() + Math.min(Math.max(0, input.timeoutMs), MAX_WAIT_MS);
  const parked = approvalWaiters().park(approvalId);
  try {
    const state = visible(ctx, await states.load(ctx.org.id, approvalId));
    if (state.status !== "pending") return await answer(ctx, approvalId);
    let expiresAt = state.expiresAt.getTime();
    for (;;) {
      const now = Date.now();
      if (now >= expiresAt) break; // answering records the expiry
      const remaining = deadline - now;
      if (remaining <= 0 || signal?.aborted) break;
      // Wake at the deadline of the approval too, to record its expiry (the worker may be busy or not running).
      const woken = await parked.next(Math.min(remaining, expiresAt - now + 50), signal);
      if (parked.closed || signal?.aborted) break;
      if (!woken) continue;
      const view = visible(ctx, await views.load(ctx.org.id, approvalId));
      if (view.status !== "pending") return view;
      expiresAt = Date.parse(view.expiresAt); // a vote short of the quorum: keep waiting
    }
    return await answer(ctx, approvalId);
  } finally {
    parked.leave();
  }
}

/** The approval as it is now; one past its deadline is recorded as expired first. */
async function answer(ctx: Ctx, approvalId: string): Promise<ApprovalView> {
  const view = visible(ctx, await views.load(ctx.org.id, approvalId));
  if (view.status === "pending" && Date.parse(view.expiresAt) <= Date.now()) return (await readApprovals(ctx, [approvalId]))[0] ?? view;
  return view;
}

/** Another org's approval, or another agent's, is a 404 like a missing one. */
function visible<T extends { agentId: string }>(ctx: Ctx, found: T | undefined): T {
  if (!found || (ctx.actor.type === "agent" && found.agentId !== ctx.actor.agentId)) throw notFound("approval");
  return found;
}

const MAX_BATCH = 1_000;
const MAX_IN_FLIGHT = 2;

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

interface OrgBatches<T> {
  /** Ids read by the next batch, each with the answer its readers wait for. */
  gathering: Map<string, Deferred<T | undefined>>;
  scheduled: boolean;
  inFlight: number;
}

/**
 * Reads for waits, batched per org: a read joins the batch being gathered, which goes out once the
 * current task is done (every waiter a wake releases reads in the same batch), or, when
 * `MAX_IN_FLIGHT` of the org's batches are already out, as soon as one of them answers. So a lone
 * wait reads at once, and under load batches grow by themselves: ten thousand waits arriving (or
 * woken) within a few seconds cost tens or hundreds of queries, not tens of thousands.
 */
class BatchedReads<T extends { id: string }> {
  readonly #orgs = new Map<string, OrgBatches<T>>();

  constructor(private readonly read: (orgId: string, ids: string[]) => Promise<T[]>) {}

  load(orgId: string, id: string): Promise<T | undefined> {
    let org = this.#orgs.get(orgId);
    if (!org) {
      org = { gathering: new Map(), scheduled: false, inFlight: 0 };
      this.#orgs.set(orgId, org);
    }
    let answer = org.gathering.get(id);
    if (!answer) {
      answer = deferred();
      org.gathering.set(id, answer);
    }
    this.#schedule(orgId, org);
    return answer.promise;
  }

  #schedule(orgId: string, org: OrgBatches<T>): void {
    if (org.scheduled || org.inFlight >= MAX_IN_FLIGHT) return;
    org.scheduled = true;
    queueMicrotask(() => this.#flush(orgId, org));
  }

  #flush(orgId: string, org: OrgBatches<T>): void {
    org.scheduled = false;
    while (org.gathering.size > 0 && org.inFlight < MAX_IN_FLIGHT) {
      const batch = new Map<string, Deferred<T | undefined>>();
      for (const [id, answer] of org.gathering) {
        if (batch.size === MAX_BATCH) break;
        batch.set(id, answer);
        org.gathering.delete(id);
      }
      org.inFlight += 1;
      void this.#send(orgId, org, batch);
    }
  }

  async #send(orgId: string, org: OrgBatches<T>, batch: Map<string, Deferred<T | undefined>>): Promise<void> {
    try {
      const found = new Map((await this.read(orgId, [...batch.keys()])).map((row) => [row.id, row]));
      for (const [id, answer] of batch) answer.resolve(found.get(id));
    } catch (error) {
      for (const answer of batch.values()) answer.reject(error);
    } finally {
      org.inFlight -= 1;
      if (org.gathering.size > 0) this.#schedule(orgId, org);
      else if (org.inFlight === 0 && !org.scheduled) this.#orgs.delete(orgId);
    }
  }
}

const states = new BatchedReads<ApprovalState>(loadApprovalStates);
const views = new BatchedReads<ApprovalView>((orgId, ids) => loadApprovalViews(orgId, ids));

const outcomes = new BatchedReads<ApprovalOutcome>(loadApprovalOutcomes);

/** The batched reads every wait shares (a single wait's and a shared wait's join the same batches). */
export const waitReads = { states, views, outcomes };

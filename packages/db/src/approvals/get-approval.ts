import { notFound } from "@gatehouse/core";
import type { Ctx } from "../context";
import { loadApprovalViews, voterOf, type ApprovalView } from "./approval-view";
import { expireApprovals } from "./expire-approvals";
import { requireApprovalReader } from "./list-approvals";

/**
 * One approval. An agent sees only its own (another agent's, or another org's, is a 404); members
 * who may read approvals see the org's, with whether they may vote. An approval past its deadline is
 * recorded as expired before it is shown, so nobody reads `pending` after the deadline.
 */
export async function getApproval({ ctx, input }: { ctx: Ctx; input: { approvalId: string } }): Promise<ApprovalView> {
  requireApprovalReader(ctx);
  const [view] = await readApprovals(ctx, [input.approvalId]);
  if (!view) throw notFound("approval");
  return view;
}

/** Views of these approvals as `ctx` may see them (missing ones are left out), expiring overdue ones first. */
export async function readApprovals(ctx: Ctx, approvalIds: readonly string[], now = Date.now()): Promise<ApprovalView[]> {
  const voter = await voterOf(ctx);
  let views = await loadApprovalViews(ctx.org.id, approvalIds, voter);
  if (ctx.actor.type === "agent") {
    const agentId = ctx.actor.agentId;
    views = views.filter((v) => v.agentId === agentId);
  }
  const overdue = views.filter((v) => v.status === "pending" && Date.parse(v.expiresAt) <= now).map((v) => v.id);
  if (overdue.length === 0) return views;
  await expireApprovals(ctx.org.id, overdue);
  const fresh = new Map((await loadApprovalViews(ctx.org.id, overdue, voter)).map((v) => [v.id, v]));
  return views.map((v) => fresh.get(v.id) ?? v);
}

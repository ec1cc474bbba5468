import type { Ctx } from "../actors/context";
import { channelOf, loadApprovalViews, voterOf, type ApprovalView } from "./approval-view";
import { expireApprovals } from "./expire-approvals";

/** Views of these approvals as `ctx` may see them (missing ones are left out), expiring overdue ones first. */
export async function readApprovals(ctx: Ctx, approvalIds: readonly string[], now = Date.now()): Promise<ApprovalView[]> {
  const voter = await voterOf(ctx);
  let views = await loadApprovalViews(ctx.org.id, approvalIds, voter, channelOf(ctx));
  if (ctx.actor.type === "agent") {
    const agentId = ctx.actor.agentId;
    views = views.filter((v) => v.agentId === agentId);
  }
  const overdue = views.filter((v) => v.status === "pending" && Date.parse(v.expiresAt) <= now).map((v) => v.id);
  if (overdue.length === 0) return views;
  await expireApprovals(ctx.org.id, overdue);
  const fresh = new Map((await loadApprovalViews(ctx.org.id, overdue, voter, channelOf(ctx))).map((v) => [v.id, v]));
  return views.map((v) => fresh.get(v.id) ?? v);
}

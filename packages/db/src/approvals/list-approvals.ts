import { approvalListQuerySchema } from "@gatehouse/contracts";
import { validationError, zodIssues } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { db } from "../infra/client";
import { channelOf, loadApprovalViews, voterOf, type ApprovalView } from "./approval-view";
import { expireApprovals } from "./expire-approvals";
import { requirePermissionUnlessAgent } from "../actors/require-permission";

/**
 * The org's approvals, newest first (`pending` by default; `decided` = every ended one; `all`),
 * filtered by agent and action type, with keyset pagination on (createdAt, id).
 */
export async function listApprovals({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<{ approvals: ApprovalView[]; nextCursor: string | null }> {
  requirePermissionUnlessAgent(ctx, "approvals.read");
  const parsed = approvalListQuerySchema.safeParse(input ?? {});
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const { status, agentId, actionType, cursor, limit } = parsed.data;
  // Nobody reads `pending` past a deadline, even while no worker runs the expiry job.
  if (status !== "approved" && status !== "denied" && status !== "cancelled") await expireApprovals(ctx.org.id);
  const [cursorTime, cursorId] = cursor ? [new Date(Number(cursor.slice(0, 13))), cursor.slice(14)] : [];
  const rows = await db().approval.findMany({
    where: {
      orgId: ctx.org.id,
      ...(status === "all" ? {} : status === "decided" ? { status: { not: "pending" } } : { status }),
      ...(ctx.actor.type === "agent" ? { agentId: ctx.actor.agentId } : agentId ? { agentId } : {}),
      ...(actionType ? { action: { actionType } } : {}),
      ...(cursorTime && cursorId ? { OR: [{ createdAt: { lt: cursorTime } }, { createdAt: cursorTime, id: { lt: cursorId } }] } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    select: { id: true, createdAt: true },
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const approvals = await loadApprovalViews(
    ctx.org.id,
    page.map((r) => r.id),
    await voterOf(ctx),
    channelOf(ctx),
  );
  return { approvals, nextCursor: rows.length > limit && last ? `${String(last.createdAt.getTime()).padStart(13, "0")}:${last.id}` : null };
}

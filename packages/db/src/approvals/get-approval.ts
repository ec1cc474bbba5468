import { notFound } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import type { ApprovalView } from "./approval-view";
import { readApprovals } from "./read-approvals";
import { requirePermissionUnlessAgent } from "../actors/require-permission";

/**
 * One approval. An agent sees only its own (another agent's, or another org's, is a 404); members
 * who may read approvals see the org's, with whether they may vote. An approval past its deadline is
 * recorded as expired before it is shown, so nobody reads `pending` after the deadline.
 */
export async function getApproval({ ctx, input }: { ctx: Ctx; input: { approvalId: string } }): Promise<ApprovalView> {
  requirePermissionUnlessAgent(ctx, "approvals.read");
  const [view] = await readApprovals(ctx, [input.approvalId]);
  if (!view) throw notFound("approval");
  return view;
}

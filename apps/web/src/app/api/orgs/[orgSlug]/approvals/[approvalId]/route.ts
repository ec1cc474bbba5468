import { getApproval } from "@gatehouse/db";
import type { Approval } from "@/lib/approvals";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/approvals/[approvalId] → Approval (with `viewer`: may this member vote).
// Session (401), membership (another org is 404), then the approval (another org's is 404).
export const GET = memberRoute({ what: "read approvals", params: { approvalId: "approval" } }, async ({ ctx, params: { approvalId }, requestId }) => {
  const approval: Approval = await getApproval({ ctx, input: { approvalId } });
  return jsonResponse(approval, requestId);
});

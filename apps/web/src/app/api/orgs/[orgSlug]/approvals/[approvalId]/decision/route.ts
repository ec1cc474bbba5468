import { decisionBodySchema } from "@gatehouse/contracts";
import { decideApproval } from "@gatehouse/db";
import type { Approval } from "@/lib/approvals";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// POST /api/orgs/[orgSlug]/approvals/[approvalId]/decision { decision: "approve"|"deny", reason? } →
// the Approval after this member's vote. Session (401), membership (another org is 404), a JSON body
// (400), then the service: the body (400 naming the field), ineligible or separation of duties 403,
// decided/expired/changed vote 409. Only JSON is accepted, so a cross-site form cannot send it
// without a CORS preflight.
export const POST = memberRoute(
  { what: "decide approvals", params: { approvalId: "approval" }, body: decisionBodySchema },
  async ({ ctx, body, params: { approvalId }, requestId }) => {
    const approval: Approval = await decideApproval({ ctx, input: { approvalId, body } });
    return jsonResponse(approval, requestId);
  },
);

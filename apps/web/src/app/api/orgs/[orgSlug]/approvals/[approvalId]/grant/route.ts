import { grantRequestBodySchema } from "@gatehouse/contracts";
import { grantFromApproval } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// POST /api/orgs/[orgSlug]/approvals/[approvalId]/grant { durationSeconds, uses?, match?, reason? } →
// { approval, grant }: this member approves with a standing grant (docs/approvals.md). Ineligible 403,
// grants off / humanEachTime / a quorum of two 403, bounds past the org's settings 400 naming the field.
export const POST = memberRoute(
  { what: "grant standing permissions", params: { approvalId: "approval" }, body: grantRequestBodySchema },
  async ({ ctx, body, params: { approvalId }, requestId }) => jsonResponse(await grantFromApproval({ ctx, input: { approvalId, body } }), requestId),
);

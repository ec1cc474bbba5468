import type { NextRequest } from "next/server";
import { getApproval } from "@gatehouse/db";
import type { Approval } from "@/lib/approvals";
import { checkedParams, jsonResponse } from "@/server/http";
import { withMember } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/approvals/[approvalId] → Approval (with `viewer`: may this member vote).
// Session (401), membership (another org is 404), then the approval (another org's is 404).
export async function GET(request: NextRequest, { params }: { params: Promise<{ orgSlug: string; approvalId: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params, { approvalId: "approval" }), "read approvals", async (ctx, { approvalId }, requestId) => {
    const approval: Approval = await getApproval({ ctx, input: { approvalId } });
    return jsonResponse(approval, requestId);
  });
}

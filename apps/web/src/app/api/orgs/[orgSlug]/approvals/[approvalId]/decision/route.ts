import { decisionBodySchema } from "@gatehouse/contracts";
import type { NextRequest } from "next/server";
import { decideApproval } from "@gatehouse/db";
import type { Approval } from "@/lib/approvals";
import { checkedParams, jsonResponse, parseInput } from "@/server/http";
import { withMember } from "@/server/member-route";
import { readJsonBody } from "@/server/json-body";

// POST /api/orgs/[orgSlug]/approvals/[approvalId]/decision { decision: "approve"|"deny", reason? } →
// the Approval after this member's vote. Session (401), membership (another org is 404), a JSON body
// (400), then the service: the body (400 naming the field), ineligible or separation of duties 403,
// decided/expired/changed vote 409. Only JSON is accepted, so a cross-site form cannot send it
// without a CORS preflight.
export async function POST(request: NextRequest, { params }: { params: Promise<{ orgSlug: string; approvalId: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params, { approvalId: "approval" }), "decide approvals", async (ctx, { approvalId }, requestId) => {
    const body = await readJsonBody(request);
    const approval: Approval = await decideApproval({ ctx, input: { approvalId, body: parseInput(decisionBodySchema, body) } });
    return jsonResponse(approval, requestId);
  });
}

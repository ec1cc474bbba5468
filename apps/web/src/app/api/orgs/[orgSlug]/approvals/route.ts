import { approvalListQuerySchema } from "@gatehouse/contracts";
import type { NextRequest } from "next/server";
import { listApprovals } from "@gatehouse/db";
import type { ApprovalPage } from "@/lib/approvals";
import { checkedParams, jsonResponse, parseInput, queryInput } from "@/server/http";
import { withMember } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/approvals?status=&agentId=&actionType=&cursor=&limit= → ApprovalPage, newest
// first (status defaults to pending). Session (401), membership (another org is 404), then the
// service: the query (400 naming the field), the permission approvals.read (auditors: 403).
export async function GET(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "read approvals", async (ctx, _params, requestId) => {
    const page: ApprovalPage = await listApprovals({ ctx, input: parseInput(approvalListQuerySchema, queryInput(request)) });
    return jsonResponse(page, requestId);
  });
}

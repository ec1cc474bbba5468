import { approvalListQuerySchema } from "@gatehouse/contracts";
import { listApprovals } from "@gatehouse/db";
import type { ApprovalPage } from "@/lib/approvals";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/approvals?status=&agentId=&actionType=&cursor=&limit= → ApprovalPage, newest
// first (status defaults to pending). Session (401), membership (another org is 404), then the
// service: the query (400 naming the field), the permission approvals.read (auditors: 403).
export const GET = memberRoute({ what: "read approvals", query: approvalListQuerySchema }, async ({ ctx, query, requestId }) => {
  const page: ApprovalPage = await listApprovals({ ctx, input: query });
  return jsonResponse(page, requestId);
});

import type { NextRequest } from "next/server";
import { listAuditEntries } from "@gatehouse/db";
import { auditListQuerySchema } from "@gatehouse/contracts";
import type { AuditPage } from "@/lib/audit";
import { checkedParams, jsonResponse, parseInput, queryInput } from "@/server/http";
import { withMember } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/audit?cursor=&limit=&type=&agentId= → AuditPage, newest first.
// Session first (401), then membership (another org is 404), then the query (400).
export async function GET(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "read the audit log", async (ctx, _params, requestId) => {
    const page: AuditPage = await listAuditEntries({ ctx, input: parseInput(auditListQuerySchema, queryInput(request)) });
    return jsonResponse(page, requestId);
  });
}

import { NextResponse, type NextRequest } from "next/server";
import { getMemberContext, listApprovals } from "@gatehouse/db";
import { approvalsQuerySchema, type ApprovalPage } from "@/lib/approvals";
import { errorResponse, invalidInputResponse, toErrorResponse } from "@/server/http";
import { requestIdFrom } from "@/server/request-id";
import { getSessionUser } from "@/server/session";

// GET /api/orgs/[orgSlug]/approvals?status=&agentId=&actionType=&cursor=&limit= → ApprovalPage, newest
// first (status defaults to pending). Session (401), membership (another org is 404), query (400),
// role (auditors: 403).
export async function GET(
  request: NextRequest,
  { params }: { params: Promise<{ orgSlug: string }> },
): Promise<NextResponse> {
  const requestId = requestIdFrom(request.headers);
  const user = await getSessionUser();
  if (!user) return errorResponse("UNAUTHENTICATED", "Sign in to read approvals.", requestId);

  try {
    const { orgSlug } = await params;
    const ctx = await getMemberContext({ userId: user.id, orgSlug, requestId });

    const query = approvalsQuerySchema.safeParse(Object.fromEntries(request.nextUrl.searchParams));
    if (!query.success) return invalidInputResponse(query.error, requestId, "query");

    const page: ApprovalPage = await listApprovals({ ctx, input: query.data });
    return NextResponse.json(page, {
      headers: { "cache-control": "no-store", "x-request-id": requestId },
    });
  } catch (error) {
    return toErrorResponse(error, requestId);
  }
}

import { NextResponse, type NextRequest } from "next/server";
import { getMemberContext, listAuditEntries } from "@gatehouse/db";
import { auditQuerySchema, type AuditPage } from "@/lib/audit";
import { errorResponse, invalidInputResponse, toErrorResponse } from "@/server/http";
import { requestIdFrom } from "@/server/request-id";
import { getSessionUser } from "@/server/session";

// GET /api/orgs/[orgSlug]/audit?cursor=&limit=&type=&agentId= → AuditPage, newest first.
// Session first (401), then membership (another org is 404), then the query (400).
export async function GET(
  request: NextRequest,
  { params }: { params: Promise<{ orgSlug: string }> },
): Promise<NextResponse> {
  const requestId = requestIdFrom(request.headers);
  const user = await getSessionUser();
  if (!user) return errorResponse("UNAUTHENTICATED", "Sign in to read the audit log.", requestId);

  try {
    const { orgSlug } = await params;
    const ctx = await getMemberContext({ userId: user.id, orgSlug, requestId });

    const query = auditQuerySchema.safeParse(Object.fromEntries(request.nextUrl.searchParams));
    if (!query.success) return invalidInputResponse(query.error, requestId, "query");

    const page: AuditPage = await listAuditEntries({ ctx, input: query.data });
    return NextResponse.json(page, {
      headers: { "cache-control": "no-store", "x-request-id": requestId },
    });
  } catch (error) {
    return toErrorResponse(error, requestId);
  }
}

import { NextResponse, type NextRequest } from "next/server";
import { getApproval, getMemberContext } from "@gatehouse/db";
import type { Approval } from "@/lib/approvals";
import { errorResponse, toErrorResponse } from "@/server/http";
import { requestIdFrom } from "@/server/request-id";
import { getSessionUser } from "@/server/session";

// GET /api/orgs/[orgSlug]/approvals/[approvalId] → Approval (with `viewer`: may this member vote).
// Session (401), membership (another org is 404), then the approval (another org's is 404).
export async function GET(
  request: NextRequest,
  { params }: { params: Promise<{ orgSlug: string; approvalId: string }> },
): Promise<NextResponse> {
  const requestId = requestIdFrom(request.headers);
  const user = await getSessionUser();
  if (!user) return errorResponse("UNAUTHENTICATED", "Sign in to read approvals.", requestId);

  try {
    const { orgSlug, approvalId } = await params;
    const ctx = await getMemberContext({ userId: user.id, orgSlug, requestId });
    const approval: Approval = await getApproval({ ctx, input: { approvalId } });
    return NextResponse.json(approval, {
      headers: { "cache-control": "no-store", "x-request-id": requestId },
    });
  } catch (error) {
    return toErrorResponse(error, requestId);
  }
}

import { NextResponse, type NextRequest } from "next/server";
import { decideApproval, getMemberContext } from "@gatehouse/db";
import { decisionBodySchema, type Approval } from "@/lib/approvals";
import { errorResponse, invalidInputResponse, toErrorResponse } from "@/server/http";
import { requestIdFrom } from "@/server/request-id";
import { getSessionUser } from "@/server/session";

// POST /api/orgs/[orgSlug]/approvals/[approvalId]/decision { decision: "approve"|"deny", reason? } →
// the Approval after this member's vote. Session (401), membership (another org is 404), a JSON body
// (400), then the service: ineligible or separation of duties 403, decided/expired/voted 409.
// Only JSON is accepted, so a cross-site form cannot send it without a CORS preflight.
export async function POST(
  request: NextRequest,
  { params }: { params: Promise<{ orgSlug: string; approvalId: string }> },
): Promise<NextResponse> {
  const requestId = requestIdFrom(request.headers);
  const user = await getSessionUser();
  if (!user) return errorResponse("UNAUTHENTICATED", "Sign in to decide approvals.", requestId);

  try {
    const { orgSlug, approvalId } = await params;
    const ctx = await getMemberContext({ userId: user.id, orgSlug, requestId });

    if (!request.headers.get("content-type")?.toLowerCase().startsWith("application/json")) {
      return errorResponse("VALIDATION", "Send the decision as application/json.", requestId);
    }
    let raw: unknown;
    try {
      raw = await request.json();
    } catch {
      return errorResponse("VALIDATION", "The request body is not valid JSON.", requestId);
    }
    const body = decisionBodySchema.safeParse(raw);
    if (!body.success) return invalidInputResponse(body.error, requestId, "body");

    const approval: Approval = await decideApproval({ ctx, input: { approvalId, body: body.data } });
    return NextResponse.json(approval, {
      headers: { "cache-control": "no-store", "x-request-id": requestId },
    });
  } catch (error) {
    return toErrorResponse(error, requestId);
  }
}

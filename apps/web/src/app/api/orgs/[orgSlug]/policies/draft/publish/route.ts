import { NextResponse, type NextRequest } from "next/server";
import { publishPolicyDraft } from "@gatehouse/db";
import type { PublishResult } from "@/lib/policies";
import { jsonBody, requireMemberPermission } from "@/server/admin-input";
import { checkedParams, jsonResponse, parseInput } from "@/server/http";
import { withMember } from "@/server/member-route";
import { publishDraftSchema } from "@/server/policy-input";

// POST /api/orgs/[orgSlug]/policies/draft/publish { revision } → 200 { status: "published", diff }, or
// 202 { status: "pending_approval", approvalId } when the org requires a second admin's approval.
// Session (401), membership (404), policies.write (403), the body (400); a stale revision is 409; a
// source that does not parse or a failing test is 400 naming it (nothing published).
export async function POST(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "publish policies", async (ctx, _params, requestId) => {
    requireMemberPermission(ctx, "policies.write");
    const input = parseInput(publishDraftSchema, await jsonBody(request));
    const result = (await publishPolicyDraft({ ctx, input })) as PublishResult;
    if (result.status === "pending_approval") return NextResponse.json(result, { status: 202, headers: { "cache-control": "no-store", "x-request-id": requestId } });
    return jsonResponse(result, requestId);
  });
}

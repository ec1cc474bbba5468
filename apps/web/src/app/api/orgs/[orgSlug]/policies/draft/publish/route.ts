import { publishPolicyDraft } from "@gatehouse/db";
import type { PublishResult } from "@/lib/policies";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";
import { publishDraftSchema } from "@/server/policy-input";

// POST /api/orgs/[orgSlug]/policies/draft/publish { revision } → 200 { status: "published", diff }, or
// 202 { status: "pending_approval", approvalId } when the org requires a second admin's approval.
// Session (401), membership (404), policies.write (403), the body (400); a stale revision is 409; a
// source that does not parse or a failing test is 400 naming it (nothing published).
export const POST = memberRoute(
  { what: "publish policies", permission: "policies.write", orgTurn: "policy editing", body: publishDraftSchema },
  async ({ ctx, body, requestId }) => {
    const result = (await publishPolicyDraft({ ctx, input: body })) as PublishResult;
    if (result.status === "pending_approval") return jsonResponse(result, requestId, 202);
    return jsonResponse(result, requestId);
  },
);

import type { NextRequest } from "next/server";
import { discardPolicyDraft, getPolicyDraft, savePolicyDraft } from "@gatehouse/db";
import type { PolicyDraft } from "@/lib/policies";
import { jsonBody, requireMemberPermission } from "@/server/admin-input";
import { checkedParams, jsonResponse, parseInput } from "@/server/http";
import { withMember } from "@/server/member-route";
import { saveDraftSchema } from "@/server/policy-input";

// The org's policy draft: changes collect here, not live, until published. Session (401), membership
// (another org is 404), policies.write (403, before the body is read), then the body (400 naming the field).

// GET → PolicyDraft (no stored draft: the active set and its tests as YAML, revision 0).
export async function GET(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "edit policies", async (ctx, _params, requestId) => {
    requireMemberPermission(ctx, "policies.write");
    const draft: PolicyDraft = await getPolicyDraft({ ctx });
    return jsonResponse(draft, requestId);
  });
}

// PUT { source, format, revision } → PolicyDraft with the next revision; a stale revision is 409 (changed elsewhere).
export async function PUT(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "edit policies", async (ctx, _params, requestId) => {
    requireMemberPermission(ctx, "policies.write");
    const input = parseInput(saveDraftSchema, await jsonBody(request));
    const draft: PolicyDraft = await savePolicyDraft({ ctx, input });
    return jsonResponse(draft, requestId);
  });
}

// DELETE → the draft is dropped; the next GET starts again from the active set.
export async function DELETE(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "edit policies", async (ctx, _params, requestId) => {
    requireMemberPermission(ctx, "policies.write");
    return jsonResponse(await discardPolicyDraft({ ctx }), requestId);
  });
}

import { discardPolicyDraft, getPolicyDraft, savePolicyDraft } from "@gatehouse/db";
import type { PolicyDraft } from "@/lib/policies";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";
import { saveDraftSchema } from "@/server/policy-input";

// The org's policy draft: changes collect here, not live, until published. Session (401), membership
// (another org is 404), policies.write (403, before the body is read), then the body (400 naming the field).

// GET → PolicyDraft (no stored draft: the active set and its tests as YAML, revision 0).
export const GET = memberRoute({ what: "edit policies", permission: "policies.write", orgTurn: "policy editing" }, async ({ ctx, requestId }) => {
  const draft: PolicyDraft = await getPolicyDraft({ ctx });
  return jsonResponse(draft, requestId);
});

// PUT { source, format, revision } → PolicyDraft with the next revision; a stale revision is 409 (changed elsewhere).
export const PUT = memberRoute({ what: "edit policies", permission: "policies.write", orgTurn: "policy editing", body: saveDraftSchema }, async ({ ctx, body, requestId }) => {
  const draft: PolicyDraft = await savePolicyDraft({ ctx, input: body });
  return jsonResponse(draft, requestId);
});

// DELETE → the draft is dropped; the next GET starts again from the active set.
export const DELETE = memberRoute({ what: "edit policies", permission: "policies.write", orgTurn: "policy editing" }, async ({ ctx, requestId }) => {
  return jsonResponse(await discardPolicyDraft({ ctx }), requestId);
});

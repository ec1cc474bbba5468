import { applyStarterPolicies } from "@gatehouse/db";
import type { PolicySetDiff } from "@gatehouse/contracts";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// POST /api/orgs/[orgSlug]/onboarding/starter-policy (no body) → PolicySetDiff: adds the starter
// policies (reads allowed, deploys and merges need an approval) beside the org's own. Session (401),
// membership (404), then the service: policies.write (403). Applying them again changes nothing.
export const POST = memberRoute({ what: "apply the starter policy" }, async ({ ctx, requestId }) => {
  const diff: PolicySetDiff = await applyStarterPolicies({ ctx });
  return jsonResponse(diff, requestId);
});

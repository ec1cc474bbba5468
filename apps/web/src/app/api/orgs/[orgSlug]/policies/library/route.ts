import { policyLibrary } from "@gatehouse/core";
import type { PolicyLibrary } from "@/lib/policies";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/policies/library → the template library (core's POLICY_TEMPLATES, grouped by
// POLICY_PACKS), as GET /v1/admin/policies/library answers it. Session (401), membership (404); every member.
export const GET = memberRoute({ what: "read the policy library" }, async ({ requestId }) => {
  const library = policyLibrary() as unknown as PolicyLibrary;
  return jsonResponse(library, requestId);
});

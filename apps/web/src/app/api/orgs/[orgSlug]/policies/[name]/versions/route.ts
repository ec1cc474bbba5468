import { listPolicyVersions } from "@gatehouse/db";
import type { PolicyVersionList } from "@/lib/policies";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";
import { policyName } from "@/server/policy-input";

// GET /api/orgs/[orgSlug]/policies/[name]/versions → the policy's versions, newest first (who, when,
// hash, document). Session (401), membership (another org is 404), every member; a name the org has
// no policy by (or that cannot be a policy's) is 404.
export const GET = memberRoute({ what: "read policies", params: { name: "text" } }, async ({ ctx, params: { name }, requestId }) => {
  const versions = (await listPolicyVersions({ ctx, input: { name: policyName(name) } })) as PolicyVersionList;
  return jsonResponse(versions, requestId);
});

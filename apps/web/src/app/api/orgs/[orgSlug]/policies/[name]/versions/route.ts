import type { NextRequest } from "next/server";
import { listPolicyVersions } from "@gatehouse/db";
import type { PolicyVersionList } from "@/lib/policies";
import { checkedParams, jsonResponse } from "@/server/http";
import { withMember } from "@/server/member-route";
import { policyName } from "@/server/policy-input";

// GET /api/orgs/[orgSlug]/policies/[name]/versions → the policy's versions, newest first (who, when,
// hash, document). Session (401), membership (another org is 404), every member; a name the org has
// no policy by (or that cannot be a policy's) is 404.
export async function GET(request: NextRequest, { params }: { params: Promise<{ orgSlug: string; name: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "read policies", async (ctx, { name }, requestId) => {
    const versions = (await listPolicyVersions({ ctx, input: { name: policyName(name) } })) as PolicyVersionList;
    return jsonResponse(versions, requestId);
  });
}

import type { NextRequest } from "next/server";
import { testPolicies } from "@gatehouse/db";
import type { PolicyTestRun } from "@/lib/policies";
import { jsonBody, requireMemberPermission } from "@/server/admin-input";
import { checkedParams, jsonResponse, parseInput } from "@/server/http";
import { withMember } from "@/server/member-route";
import { draftSourceSchema, parsedSource } from "@/server/policy-input";

// POST /api/orgs/[orgSlug]/policies/test { source, format } → PolicyTestRun: the source's tests run
// against its policies (the editor calls it as the author types). Session (401), membership (404),
// policies.write (403), the body (400); a source that does not parse is 400 whose issues carry the
// field path and its line. Nothing is stored.
export async function POST(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "test policies", async (ctx, _params, requestId) => {
    requireMemberPermission(ctx, "policies.write");
    const set = await parsedSource(ctx.org.id, parseInput(draftSourceSchema, await jsonBody(request)));
    const run: PolicyTestRun = await testPolicies({ ctx, input: { policies: set.policies ?? [], tests: set.tests ?? [] } });
    return jsonResponse(run, requestId);
  });
}

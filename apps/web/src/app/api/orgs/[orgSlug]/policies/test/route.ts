import { testPolicies } from "@gatehouse/db";
import type { PolicyTestRun } from "@/lib/policies";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";
import { draftSourceSchema, parsedSource } from "@/server/policy-input";

// POST /api/orgs/[orgSlug]/policies/test { source, format } → PolicyTestRun: the source's tests run
// against its policies (the editor calls it as the author types). Session (401), membership (404),
// policies.write (403), the body (400); a source that does not parse is 400 whose issues carry the
// field path and its line. Nothing is stored.
export const POST = memberRoute({ what: "test policies", permission: "policies.write", orgTurn: "policy editing", body: draftSourceSchema }, async ({ ctx, body, requestId }) => {
  const set = await parsedSource(ctx.org.id, body);
  const run: PolicyTestRun = await testPolicies({ ctx, input: { policies: set.policies ?? [], tests: set.tests ?? [] } });
  return jsonResponse(run, requestId);
});

import type { NextRequest } from "next/server";
import { applyPolicies } from "@gatehouse/db";
import type { PolicySetDiff } from "@gatehouse/contracts";
import { jsonBody, requireMemberPermission } from "@/server/admin-input";
import { checkedParams, jsonResponse, parseInput } from "@/server/http";
import { withMember } from "@/server/member-route";
import { draftSourceSchema, parsedSource } from "@/server/policy-input";

// POST /api/orgs/[orgSlug]/policies/draft/preview { source, format } → PolicySetDiff (dryRun: true):
// what publishing the source would change (policies created, changed, archived, unchanged), for the
// editor's confirm step. Session (401), membership (404), policies.write (403), the body (400; a source
// that does not parse or a failing test: its issues). Nothing is written.
export async function POST(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "preview a publish", async (ctx, _params, requestId) => {
    requireMemberPermission(ctx, "policies.write");
    const set = await parsedSource(ctx.org.id, parseInput(draftSourceSchema, await jsonBody(request)));
    const diff: PolicySetDiff = await applyPolicies({ ctx, input: { policies: set.policies ?? [], tests: set.tests ?? [] }, dryRun: true });
    return jsonResponse(diff, requestId);
  });
}

import { applyPolicies } from "@gatehouse/db";
import type { PolicySetDiff } from "@gatehouse/contracts";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";
import { draftSourceSchema, parsedSource } from "@/server/policy-input";

// POST /api/orgs/[orgSlug]/policies/draft/preview { source, format } → PolicySetDiff (dryRun: true):
// what publishing the source would change (policies created, changed, archived, unchanged), for the
// editor's confirm step. Session (401), membership (404), policies.write (403), the body (400; a source
// that does not parse or a failing test: its issues). Nothing is written.
export const POST = memberRoute(
  { what: "preview a publish", permission: "policies.write", orgTurn: "policy editing", body: draftSourceSchema },
  async ({ ctx, body, requestId }) => {
    const set = await parsedSource(ctx.org.id, body);
    const diff: PolicySetDiff = await applyPolicies({ ctx, input: { policies: set.policies ?? [], tests: set.tests ?? [] }, dryRun: true });
    return jsonResponse(diff, requestId);
  },
);

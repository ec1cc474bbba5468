import { simulatePolicies } from "@gatehouse/db";
import type { PolicySimulation } from "@/lib/policies";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";
import { parsedSource, simulateSourceSchema } from "@/server/policy-input";

// POST /api/orgs/[orgSlug]/policies/simulate { source, format, days } → PolicySimulation: the source's
// policies replayed against the org's recorded decisions of the last `days` (1–30, default 7). Session
// (401), membership (404), policies.write (403), the body (400; a source that does not parse: its
// issues with lines). Nothing is stored.
export const POST = memberRoute({ what: "replay policies", permission: "policies.write", body: simulateSourceSchema }, async ({ ctx, body, requestId }) => {
  const { days, ...source } = body;
  const set = await parsedSource(ctx.org.id, source);
  const simulation: PolicySimulation = await simulatePolicies({ ctx, input: { policies: set.policies ?? [], days } });
  return jsonResponse(simulation, requestId);
});

import type { NextRequest } from "next/server";
import { simulatePolicies } from "@gatehouse/db";
import type { PolicySimulation } from "@/lib/policies";
import { jsonBody, requireMemberPermission } from "@/server/admin-input";
import { checkedParams, jsonResponse, parseInput } from "@/server/http";
import { withMember } from "@/server/member-route";
import { parsedSource, simulateSourceSchema } from "@/server/policy-input";

// POST /api/orgs/[orgSlug]/policies/simulate { source, format, days } → PolicySimulation: the source's
// policies replayed against the org's recorded decisions of the last `days` (1–30, default 7). Session
// (401), membership (404), policies.write (403), the body (400; a source that does not parse: its
// issues with lines). Nothing is stored.
export async function POST(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "replay policies", async (ctx, _params, requestId) => {
    requireMemberPermission(ctx, "policies.write");
    const { days, ...source } = parseInput(simulateSourceSchema, await jsonBody(request));
    const set = await parsedSource(ctx.org.id, source);
    const simulation: PolicySimulation = await simulatePolicies({ ctx, input: { policies: set.policies ?? [], days } });
    return jsonResponse(simulation, requestId);
  });
}

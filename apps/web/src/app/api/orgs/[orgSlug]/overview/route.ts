import type { NextRequest } from "next/server";
import { getOverview } from "@gatehouse/db";
import { overviewQuerySchema, type Overview } from "@gatehouse/contracts";
import { checkedParams, jsonResponse, parseInput, queryInput } from "@/server/http";
import { withMember } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/overview?range=24h|7d|30d → Overview (the org home's charts), from the
// rollups. Session (401), membership (another org is 404), the query (a bad range is a 400 naming
// `range`), then the service: posture.read (every role; pendingApprovals is null without approvals.read).
export async function GET(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "read the overview", async (ctx, _params, requestId) => {
    const { range } = parseInput(overviewQuerySchema, queryInput(request));
    const overview: Overview = await getOverview({ ctx, range });
    return jsonResponse(overview, requestId);
  });
}

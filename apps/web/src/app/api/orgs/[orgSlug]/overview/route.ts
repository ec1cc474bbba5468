import { getOverview } from "@gatehouse/db";
import { overviewQuerySchema, type Overview } from "@gatehouse/contracts";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/overview?range=24h|7d|30d → Overview (the org home's charts), from the
// rollups. Session (401), membership (another org is 404), the query (a bad range is a 400 naming
// `range`), then the service: posture.read (every role; pendingApprovals is null without approvals.read).
export const GET = memberRoute({ what: "read the overview", query: overviewQuerySchema }, async ({ ctx, query, requestId }) => {
  const { range } = query;
  const overview: Overview = await getOverview({ ctx, range });
  return jsonResponse(overview, requestId);
});

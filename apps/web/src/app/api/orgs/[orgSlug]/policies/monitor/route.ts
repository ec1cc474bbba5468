import { getPolicyMonitor } from "@gatehouse/db";
import type { PolicyMonitor } from "@/lib/policies";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";
import { monitorQuerySchema } from "@/server/policy-input";

// GET /api/orgs/[orgSlug]/policies/monitor?days=7 → what monitor mode (and report-only) would have
// blocked, per UTC day and per policy. Session (401), membership (another org is 404), the query (400
// naming `days`, 1–30); every member.
export const GET = memberRoute({ what: "read policies", query: monitorQuerySchema }, async ({ ctx, query, requestId }) => {
  const { days = 7 } = query;
  const monitor: PolicyMonitor = await getPolicyMonitor({ ctx, input: { days } });
  return jsonResponse(monitor, requestId);
});

import type { NextRequest } from "next/server";
import { getPolicyMonitor } from "@gatehouse/db";
import type { PolicyMonitor } from "@/lib/policies";
import { checkedParams, jsonResponse, parseInput, queryInput } from "@/server/http";
import { withMember } from "@/server/member-route";
import { monitorQuerySchema } from "@/server/policy-input";

// GET /api/orgs/[orgSlug]/policies/monitor?days=7 → what monitor mode (and report-only) would have
// blocked, per UTC day and per policy. Session (401), membership (another org is 404), the query (400
// naming `days`, 1–30); every member.
export async function GET(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "read policies", async (ctx, _params, requestId) => {
    const { days = 7 } = parseInput(monitorQuerySchema, queryInput(request));
    const monitor: PolicyMonitor = await getPolicyMonitor({ ctx, input: { days } });
    return jsonResponse(monitor, requestId);
  });
}

import { listRuns } from "@gatehouse/db";
import { runListQuerySchema } from "@gatehouse/contracts";
import type { RunPage } from "@/lib/runs";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/runs?cursor=&limit=&agentId=&status= → RunPage, the most recently active first.
// Session (401), membership (another org is 404), agents.read (every role), then the query (400).
export const GET = memberRoute({ what: "read runs", permission: "agents.read", query: runListQuerySchema }, async ({ ctx, query, requestId }) => {
  const page: RunPage = await listRuns({ ctx, input: query });
  return jsonResponse(page, requestId);
});

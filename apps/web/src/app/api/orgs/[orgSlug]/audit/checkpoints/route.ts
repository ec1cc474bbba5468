import { checkpointListQuerySchema } from "@gatehouse/contracts";
import { listCheckpoints } from "@gatehouse/db";
import type { CheckpointPage } from "@/lib/audit";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/audit/checkpoints?cursor=&limit= → CheckpointPage, largest tree first.
// Session (401), membership (another org is 404), then the service: the query (400 naming the field).
export const GET = memberRoute({ what: "read audit checkpoints", query: checkpointListQuerySchema }, async ({ ctx, query, requestId }) => {
  const page: CheckpointPage = await listCheckpoints({ ctx, input: query });
  return jsonResponse(page, requestId);
});

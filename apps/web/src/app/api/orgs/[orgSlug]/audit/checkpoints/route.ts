import { checkpointListQuerySchema } from "@gatehouse/contracts";
import type { NextRequest } from "next/server";
import { listCheckpoints } from "@gatehouse/db";
import type { CheckpointPage } from "@/lib/audit";
import { checkedParams, jsonResponse, parseInput, queryInput } from "@/server/http";
import { withMember } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/audit/checkpoints?cursor=&limit= → CheckpointPage, largest tree first.
// Session (401), membership (another org is 404), then the service: the query (400 naming the field).
export async function GET(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "read audit checkpoints", async (ctx, _params, requestId) => {
    const page: CheckpointPage = await listCheckpoints({ ctx, input: parseInput(checkpointListQuerySchema, queryInput(request)) });
    return jsonResponse(page, requestId);
  });
}

import { getRun } from "@gatehouse/db";
import type { RunDetail } from "@/lib/runs";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/runs/[runId] → RunDetail (the run and its timeline). Session (401),
// membership (another org is 404), agents.read (every role); a malformed id is a 400, another org's run 404.
export const GET = memberRoute({ what: "read runs", permission: "agents.read", params: { runId: "run" } }, async ({ ctx, params: { runId }, requestId }) => {
  const detail: RunDetail = await getRun({ ctx, input: { id: runId } });
  return jsonResponse(detail, requestId);
});

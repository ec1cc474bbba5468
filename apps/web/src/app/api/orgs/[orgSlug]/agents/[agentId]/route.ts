import { getAgentOverview } from "@gatehouse/db";
import type { AgentOverview } from "@/lib/agents";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/agents/[agentId] → AgentOverview. Session (401), membership (another org is
// 404), agents.read (every role); another org's agent id is 404.
export const GET = memberRoute({ what: "read agents", params: { agentId: "agent" } }, async ({ ctx, params: { agentId }, requestId }) => {
  const agent: AgentOverview = await getAgentOverview({ ctx, input: { agentId } });
  return jsonResponse(agent, requestId);
});

import { agentStatusBodySchema } from "@gatehouse/contracts";
import { setAgentStatus } from "@gatehouse/db";
import type { AgentView } from "@/lib/agents";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// POST /api/orgs/[orgSlug]/agents/[agentId]/resume { reason? } → the Agent, active. Session (401), membership
// (another org is 404), agents.manage (403), then the JSON body (400 naming the field); another org's
// agent is 404. Audited with the member as actor in the change's transaction (setAgentStatus).
export const POST = memberRoute(
  { what: "resume agents", params: { agentId: "agent" }, permission: "agents.manage", body: agentStatusBodySchema },
  async ({ ctx, body, params: { agentId }, requestId }) => {
    const agent: AgentView = await setAgentStatus({ ctx, input: { agentId, status: "active", body } });
    return jsonResponse(agent, requestId);
  },
);

import { getAgentChain, getDelegationTree } from "@gatehouse/db";
import type { AgentDelegations } from "@/lib/delegations";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/agents/[agentId]/delegations → AgentDelegations: the tree below the agent
// (revoked and expired links included) and, for a delegate, its own chain (root first). Session (401),
// membership (another org is 404), agents.read (every role); another org's agent id is 404.
export const GET = memberRoute({ what: "read delegations", params: { agentId: "agent" } }, async ({ ctx, params: { agentId }, requestId }) => {
  const tree = await getDelegationTree({ ctx, input: { agentId } });
  const body: AgentDelegations = { ...tree, chain: await getAgentChain({ ctx, input: { agentId } }) };
  return jsonResponse(body, requestId);
});

import { agentStatusBodySchema } from "@gatehouse/contracts";
import type { NextRequest } from "next/server";
import { requirePermission, setAgentStatus } from "@gatehouse/db";
import type { AgentView } from "@/lib/agents";
import { checkedParams, jsonResponse, parseInput } from "@/server/http";
import { readJsonBody } from "@/server/json-body";
import { withMember } from "@/server/member-route";

// POST /api/orgs/[orgSlug]/agents/[agentId]/halt { reason? } → the Agent, halted. Session (401), membership
// (another org is 404), agents.manage (403), then the JSON body (400 naming the field); another org's
// agent is 404. Audited with the member as actor in the change's transaction (setAgentStatus).
export async function POST(request: NextRequest, { params }: { params: Promise<{ orgSlug: string; agentId: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params, { agentId: "agent" }), "halt agents", async (ctx, { agentId }, requestId) => {
    requirePermission(ctx, "agents.manage");
    const body = parseInput(agentStatusBodySchema, await readJsonBody(request));
    const agent: AgentView = await setAgentStatus({ ctx, input: { agentId, status: "halted", body } });
    return jsonResponse(agent, requestId);
  });
}

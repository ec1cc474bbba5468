import type { NextRequest } from "next/server";
import { getAgentOverview } from "@gatehouse/db";
import type { AgentOverview } from "@/lib/agents";
import { checkedParams, jsonResponse } from "@/server/http";
import { withMember } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/agents/[agentId] → AgentOverview. Session (401), membership (another org is
// 404), agents.read (every role); another org's agent id is 404.
export async function GET(request: NextRequest, { params }: { params: Promise<{ orgSlug: string; agentId: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params, { agentId: "agent" }), "read agents", async (ctx, { agentId }, requestId) => {
    const agent: AgentOverview = await getAgentOverview({ ctx, input: { agentId } });
    return jsonResponse(agent, requestId);
  });
}

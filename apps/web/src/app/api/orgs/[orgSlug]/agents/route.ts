import { createAgentBodySchema } from "@gatehouse/contracts";
import type { NextRequest } from "next/server";
import { createAgent, listAgentOverviews, requirePermission } from "@gatehouse/db";
import type { AgentList, CreatedAgent } from "@/lib/agents";
import { checkedParams, jsonResponse, parseInput } from "@/server/http";
import { readJsonBody } from "@/server/json-body";
import { withMember } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/agents → AgentList: the org's agents by name with their breaker state, live
// key count, last activity and creator. Session (401), membership (another org is 404), then the
// service: agents.read (every role).
export async function GET(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "list agents", async (ctx, _params, requestId) => {
    const list: AgentList = { agents: await listAgentOverviews({ ctx }) };
    return jsonResponse(list, requestId);
  });
}

// POST /api/orgs/[orgSlug]/agents { name, description?, labels? } → CreatedAgent, its first key shown
// once (only its hash is stored). Session (401), membership (404), agents.manage (403), then the JSON
// body (400 naming the field); a taken name is 409.
export async function POST(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "create agents", async (ctx, _params, requestId) => {
    requirePermission(ctx, "agents.manage");
    const input = parseInput(createAgentBodySchema, await readJsonBody(request));
    const created: CreatedAgent = await createAgent({ ctx, input });
    return jsonResponse(created, requestId);
  });
}

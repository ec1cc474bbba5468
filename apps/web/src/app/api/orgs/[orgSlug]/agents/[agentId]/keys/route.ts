import { issueAgentKeyBodySchema } from "@gatehouse/contracts";
import type { NextRequest } from "next/server";
import { issueAgentKey, listAgentKeys, requirePermission } from "@gatehouse/db";
import type { ApiKeyList, IssuedAgentKey } from "@/lib/agents";
import { checkedParams, jsonResponse, parseInput } from "@/server/http";
import { readJsonBody } from "@/server/json-body";
import { withMember } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/agents/[agentId]/keys → ApiKeyList (no secrets). Session (401), membership
// (another org is 404), keys.manage (403); another org's agent is 404.
export async function GET(request: NextRequest, { params }: { params: Promise<{ orgSlug: string; agentId: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params, { agentId: "agent" }), "list agent keys", async (ctx, { agentId }, requestId) => {
    const list: ApiKeyList = { keys: await listAgentKeys({ ctx, input: { agentId } }) };
    return jsonResponse(list, requestId);
  });
}

// POST /api/orgs/[orgSlug]/agents/[agentId]/keys { name?, expiresInDays? } → IssuedAgentKey, shown once.
// Session (401), membership (404), keys.manage (403), the JSON body (400 naming the field); another
// org's agent is 404.
export async function POST(request: NextRequest, { params }: { params: Promise<{ orgSlug: string; agentId: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params, { agentId: "agent" }), "issue agent keys", async (ctx, { agentId }, requestId) => {
    requirePermission(ctx, "keys.manage");
    const body = parseInput(issueAgentKeyBodySchema, await readJsonBody(request));
    const issued: IssuedAgentKey = await issueAgentKey({ ctx, input: { agentId, body } });
    return jsonResponse(issued, requestId);
  });
}

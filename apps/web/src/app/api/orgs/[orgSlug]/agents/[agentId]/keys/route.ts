import { issueAgentKeyBodySchema } from "@gatehouse/contracts";
import { issueAgentKey, listAgentKeys } from "@gatehouse/db";
import type { ApiKeyList, IssuedAgentKey } from "@/lib/agents";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/agents/[agentId]/keys → ApiKeyList (no secrets). Session (401), membership
// (another org is 404), keys.manage (403); another org's agent is 404.
export const GET = memberRoute({ what: "list agent keys", params: { agentId: "agent" } }, async ({ ctx, params: { agentId }, requestId }) => {
  const list: ApiKeyList = { keys: await listAgentKeys({ ctx, input: { agentId } }) };
  return jsonResponse(list, requestId);
});

// POST /api/orgs/[orgSlug]/agents/[agentId]/keys { name?, expiresInDays? } → IssuedAgentKey, shown once.
// Session (401), membership (404), keys.manage (403), the JSON body (400 naming the field); another
// org's agent is 404.
export const POST = memberRoute(
  { what: "issue agent keys", params: { agentId: "agent" }, permission: "keys.manage", body: issueAgentKeyBodySchema },
  async ({ ctx, body, params: { agentId }, requestId }) => {
    const issued: IssuedAgentKey = await issueAgentKey({ ctx, input: { agentId, body } });
    return jsonResponse(issued, requestId);
  },
);

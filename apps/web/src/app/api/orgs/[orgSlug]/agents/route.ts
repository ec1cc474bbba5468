import { createAgentBodySchema } from "@gatehouse/contracts";
import { createAgent, listAgentOverviews } from "@gatehouse/db";
import type { AgentList, CreatedAgent } from "@/lib/agents";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/agents → AgentList: the org's agents by name with their breaker state, live
// key count, last activity and creator. Session (401), membership (another org is 404), then the
// service: agents.read (every role).
export const GET = memberRoute({ what: "list agents", replicaReads: true }, async ({ ctx, requestId }) => {
  const list: AgentList = { agents: await listAgentOverviews({ ctx }) };
  return jsonResponse(list, requestId);
});

// POST /api/orgs/[orgSlug]/agents { name, description?, labels? } → CreatedAgent, its first key shown
// once (only its hash is stored). Session (401), membership (404), agents.manage (403), then the JSON
// body (400 naming the field); a taken name is 409.
export const POST = memberRoute({ what: "create agents", permission: "agents.manage", body: createAgentBodySchema }, async ({ ctx, body, requestId }) => {
  const created: CreatedAgent = await createAgent({ ctx, input: body });
  return jsonResponse(created, requestId);
});

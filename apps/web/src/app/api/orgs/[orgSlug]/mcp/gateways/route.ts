import { createMcpGatewayBodySchema } from "@gatehouse/contracts";
import { createMcpGateway, listMcpGateways } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/mcp/gateways → { gateways }, by name. Session (401), membership (another org is 404), integrations.manage (403).
export const GET = memberRoute({ what: "list MCP gateways", permission: "integrations.manage" }, async ({ ctx, requestId }) =>
  jsonResponse(await listMcpGateways({ ctx }), requestId),
);

// POST /api/orgs/[orgSlug]/mcp/gateways { name, servers, description?, onChange? } → the gateway, with the path its clients connect to.
export const POST = memberRoute({ what: "create MCP gateways", permission: "integrations.manage", body: createMcpGatewayBodySchema }, async ({ ctx, body, requestId }) =>
  jsonResponse(await createMcpGateway({ ctx, input: body }), requestId),
);

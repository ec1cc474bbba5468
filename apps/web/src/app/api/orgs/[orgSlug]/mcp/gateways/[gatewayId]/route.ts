import { updateMcpGatewayBodySchema } from "@gatehouse/contracts";
import { deleteMcpGateway, updateMcpGateway } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// PATCH /api/orgs/[orgSlug]/mcp/gateways/[gatewayId] { servers?, description?, onChange? } → the gateway. Another org's gateway is 404.
export const PATCH = memberRoute(
  { what: "change MCP gateways", params: { gatewayId: "mcpGateway" }, permission: "integrations.manage", body: updateMcpGatewayBodySchema },
  async ({ ctx, params: { gatewayId }, body, requestId }) => jsonResponse(await updateMcpGateway({ ctx, input: { id: gatewayId, body } }), requestId),
);

// DELETE /api/orgs/[orgSlug]/mcp/gateways/[gatewayId] → the deleted gateway.
export const DELETE = memberRoute(
  { what: "delete MCP gateways", params: { gatewayId: "mcpGateway" }, permission: "integrations.manage" },
  async ({ ctx, params: { gatewayId }, requestId }) => jsonResponse(await deleteMcpGateway({ ctx, input: { id: gatewayId } }), requestId),
);

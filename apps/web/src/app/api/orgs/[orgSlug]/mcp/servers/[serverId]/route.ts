import { updateMcpServerBodySchema } from "@gatehouse/contracts";
import { deleteMcpServer, updateMcpServer } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// PATCH /api/orgs/[orgSlug]/mcp/servers/[serverId] { url?, description?, credential? } → the server. Another org's server is 404.
export const PATCH = memberRoute(
  { what: "change MCP servers", params: { serverId: "mcpServer" }, permission: "integrations.manage", body: updateMcpServerBodySchema },
  async ({ ctx, params: { serverId }, body, requestId }) => jsonResponse(await updateMcpServer({ ctx, input: { id: serverId, body } }), requestId),
);

// DELETE /api/orgs/[orgSlug]/mcp/servers/[serverId] → the deleted server.
export const DELETE = memberRoute(
  { what: "delete MCP servers", params: { serverId: "mcpServer" }, permission: "integrations.manage" },
  async ({ ctx, params: { serverId }, requestId }) => jsonResponse(await deleteMcpServer({ ctx, input: { id: serverId } }), requestId),
);

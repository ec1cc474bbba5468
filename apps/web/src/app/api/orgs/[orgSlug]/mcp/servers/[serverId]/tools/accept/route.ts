import { acceptMcpToolBodySchema } from "@gatehouse/contracts";
import { acceptMcpTool } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// POST /api/orgs/[orgSlug]/mcp/servers/[serverId]/tools/accept { tool, digest } → the tool as pinned now; a definition that changed since it was reviewed is a 409.
export const POST = memberRoute(
  { what: "accept MCP tools", params: { serverId: "mcpServer" }, permission: "integrations.manage", body: acceptMcpToolBodySchema },
  async ({ ctx, params: { serverId }, body, requestId }) => jsonResponse(await acceptMcpTool({ ctx, input: { id: serverId, body } }), requestId),
);

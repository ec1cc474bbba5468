import { listMcpServerTools } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/mcp/servers/[serverId]/tools → { tools }: each pinned tool and a change waiting for review. Another org's server is 404.
export const GET = memberRoute(
  { what: "review MCP tools", params: { serverId: "mcpServer" }, permission: "integrations.manage" },
  async ({ ctx, params: { serverId }, requestId }) => jsonResponse(await listMcpServerTools({ ctx, input: { id: serverId } }), requestId),
);

import { createMcpServerBodySchema } from "@gatehouse/contracts";
import { createMcpServer, listMcpServers } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/mcp/servers → { servers }, by name. Session (401), membership (another org is 404), integrations.manage (403).
export const GET = memberRoute({ what: "list MCP servers", permission: "integrations.manage" }, async ({ ctx, requestId }) =>
  jsonResponse(await listMcpServers({ ctx }), requestId),
);

// POST /api/orgs/[orgSlug]/mcp/servers { name, url, description?, credential? } → the server (its credential sealed, never answered).
export const POST = memberRoute({ what: "register MCP servers", permission: "integrations.manage", body: createMcpServerBodySchema }, async ({ ctx, body, requestId }) =>
  jsonResponse(await createMcpServer({ ctx, input: body }), requestId),
);

import type { CreateMcpGatewayBody, CreateMcpServerBody, McpGatewayView, McpServerView, UpdateMcpGatewayBody, UpdateMcpServerBody } from "@gatehouse/contracts";
import { getJson, orgPath, postJson, request } from "./api-client";

// The MCP gateway page's calls (docs/integrations/mcp.md): the console's own routes under /api/orgs/<slug>/mcp.

export type { McpGatewayView, McpServerView };
export type McpServerList = { servers: McpServerView[] };
export type McpGatewayList = { gateways: McpGatewayView[] };

export const mcpKeys = {
  servers: (orgSlug: string) => ["mcp", orgSlug, "servers"] as const,
  gateways: (orgSlug: string) => ["mcp", orgSlug, "gateways"] as const,
};

const servers = (orgSlug: string) => `${orgPath(orgSlug)}/mcp/servers`;
const gateways = (orgSlug: string) => `${orgPath(orgSlug)}/mcp/gateways`;

export const fetchMcpServers = (orgSlug: string, signal?: AbortSignal) => getJson<McpServerList>(servers(orgSlug), signal);
export const createMcpServer = (orgSlug: string, body: CreateMcpServerBody) => postJson<McpServerView>(servers(orgSlug), body);
export const updateMcpServer = (orgSlug: string, id: string, body: UpdateMcpServerBody) =>
  request<McpServerView>("PATCH", `${servers(orgSlug)}/${encodeURIComponent(id)}`, { body });
export const deleteMcpServer = (orgSlug: string, id: string) => request<McpServerView>("DELETE", `${servers(orgSlug)}/${encodeURIComponent(id)}`);

export const fetchMcpGateways = (orgSlug: string, signal?: AbortSignal) => getJson<McpGatewayList>(gateways(orgSlug), signal);
export const createMcpGateway = (orgSlug: string, body: CreateMcpGatewayBody) => postJson<McpGatewayView>(gateways(orgSlug), body);
export const updateMcpGateway = (orgSlug: string, id: string, body: UpdateMcpGatewayBody) =>
  request<McpGatewayView>("PATCH", `${gateways(orgSlug)}/${encodeURIComponent(id)}`, { body });
export const deleteMcpGateway = (orgSlug: string, id: string) => request<McpGatewayView>("DELETE", `${gateways(orgSlug)}/${encodeURIComponent(id)}`);

/** A server's catalogue in words: not listed yet, or how many tools are pinned and how many changed since. */
export function catalogueState(server: McpServerView): { label: string; tone: "good" | "waiting" | "neutral" } {
  if (server.catalogDigest === null) return { label: "tools not listed yet", tone: "neutral" };
  if (server.changedTools > 0) return { label: `${server.changedTools} of ${server.tools} tools changed: waiting for review`, tone: "waiting" };
  return { label: `${server.tools} tool${server.tools === 1 ? "" : "s"} pinned`, tone: "good" };
}

import type { CreateMcpGatewayBody, CreateMcpServerBody, McpGatewayView, McpServerView, McpToolPinView, UpdateMcpGatewayBody, UpdateMcpServerBody } from "@gatehouse/contracts";
import { getJson, orgPath, postJson, request } from "./api-client";

// The MCP gateway page's calls (docs/integrations/mcp.md): the console's own routes under /api/orgs/<slug>/mcp.

export type { McpGatewayView, McpServerView, McpToolPinView };
export type McpServerList = { servers: McpServerView[] };
export type McpGatewayList = { gateways: McpGatewayView[] };

export const mcpKeys = {
  servers: (orgSlug: string) => ["mcp", orgSlug, "servers"] as const,
  gateways: (orgSlug: string) => ["mcp", orgSlug, "gateways"] as const,
  tools: (orgSlug: string, serverId: string) => ["mcp", orgSlug, "servers", serverId, "tools"] as const,
};

const servers = (orgSlug: string) => `${orgPath(orgSlug)}/mcp/servers`;
const gateways = (orgSlug: string) => `${orgPath(orgSlug)}/mcp/gateways`;

export const fetchMcpServers = (orgSlug: string, signal?: AbortSignal) => getJson<McpServerList>(servers(orgSlug), signal);
export const createMcpServer = (orgSlug: string, body: CreateMcpServerBody) => postJson<McpServerView>(servers(orgSlug), body);
export const updateMcpServer = (orgSlug: string, id: string, body: UpdateMcpServerBody) =>
  request<McpServerView>("PATCH", `${servers(orgSlug)}/${encodeURIComponent(id)}`, { body });
export const deleteMcpServer = (orgSlug: string, id: string) => request<McpServerView>("DELETE", `${servers(orgSlug)}/${encodeURIComponent(id)}`);

export const fetchMcpTools = (orgSlug: string, id: string, signal?: AbortSignal) =>
  getJson<{ tools: McpToolPinView[] }>(`${servers(orgSlug)}/${encodeURIComponent(id)}/tools`, signal);
export const acceptMcpTool = (orgSlug: string, id: string, tool: string, digest: string) =>
  postJson<McpToolPinView>(`${servers(orgSlug)}/${encodeURIComponent(id)}/tools/accept`, { tool, digest });

/** A tool definition as people compare it: its fields, one per line group, keys in a fixed order. */
export function definitionText(definition: Record<string, unknown>): string {
  return stableJson(definition);
}

function stableJson(value: unknown, indent = ""): string {
  if (Array.isArray(value)) return value.length === 0 ? "[]" : `[\n${value.map((v) => `${indent}  ${stableJson(v, `${indent}  `)}`).join(",\n")}\n${indent}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort();
    if (keys.length === 0) return "{}";
    return `{\n${keys.map((k) => `${indent}  ${JSON.stringify(k)}: ${stableJson((value as Record<string, unknown>)[k], `${indent}  `)}`).join(",\n")}\n${indent}}`;
  }
  return JSON.stringify(value);
}

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

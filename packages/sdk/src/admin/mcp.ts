/** `admin.mcp`: the org's MCP servers and gateways (docs/integrations/mcp.md). */
import { request, type TransportConfig } from "../request.ts";
import type {
  CreateMcpGatewayRequest,
  CreateMcpServerRequest,
  McpGateway,
  McpServer,
  McpToolPin,
  RequestOptions,
  UpdateMcpGatewayRequest,
  UpdateMcpServerRequest,
} from "../types.ts";

/** The org's MCP servers (`integrations.manage`): a credential given here is sealed and never answered again. */
export interface AdminMcpServers {
  /** The servers, by name. */
  list(options?: RequestOptions): Promise<McpServer[]>;
  create(server: CreateMcpServerRequest, options?: RequestOptions): Promise<McpServer>;
  get(serverId: string, options?: RequestOptions): Promise<McpServer>;
  /** Changes its URL, description or credential (`credential: null` removes it). */
  update(serverId: string, changes: UpdateMcpServerRequest, options?: RequestOptions): Promise<McpServer>;
  delete(serverId: string, options?: RequestOptions): Promise<McpServer>;
  /** Its pinned tools, each with a changed definition waiting for review (`pending`: held at every gateway until accepted). */
  tools(serverId: string, options?: RequestOptions): Promise<McpToolPin[]>;
  /** Accepts a tool's pending definition, named by the digest reviewed (409 when it changed again since). */
  accept(serverId: string, tool: string, digest: string, options?: RequestOptions): Promise<McpToolPin>;
}

/** The org's MCP gateways: each one MCP endpoint (`path`) in front of a set of servers. */
export interface AdminMcpGateways {
  list(options?: RequestOptions): Promise<McpGateway[]>;
  create(gateway: CreateMcpGatewayRequest, options?: RequestOptions): Promise<McpGateway>;
  get(gatewayId: string, options?: RequestOptions): Promise<McpGateway>;
  update(gatewayId: string, changes: UpdateMcpGatewayRequest, options?: RequestOptions): Promise<McpGateway>;
  delete(gatewayId: string, options?: RequestOptions): Promise<McpGateway>;
}

export interface AdminMcp {
  servers: AdminMcpServers;
  gateways: AdminMcpGateways;
}

export function createAdminMcp(config: TransportConfig): AdminMcp {
  const serverPath = (id: string) => `/v1/admin/mcp/servers/${encodeURIComponent(id)}`;
  const gatewayPath = (id: string) => `/v1/admin/mcp/gateways/${encodeURIComponent(id)}`;
  return {
    servers: {
      list: async (options = {}) => (await request<{ servers: McpServer[] }>(config, { method: "GET", path: "/v1/admin/mcp/servers", signal: options.signal })).servers,
      create: (server, options = {}) => request<McpServer>(config, { method: "POST", path: "/v1/admin/mcp/servers", body: server, signal: options.signal }),
      get: (id, options = {}) => request<McpServer>(config, { method: "GET", path: serverPath(id), signal: options.signal }),
      update: (id, changes, options = {}) => request<McpServer>(config, { method: "PATCH", path: serverPath(id), body: changes, signal: options.signal }),
      delete: (id, options = {}) => request<McpServer>(config, { method: "DELETE", path: serverPath(id), signal: options.signal }),
      tools: async (id, options = {}) => (await request<{ tools: McpToolPin[] }>(config, { method: "GET", path: `${serverPath(id)}/tools`, signal: options.signal })).tools,
      accept: (id, tool, digest, options = {}) =>
        request<McpToolPin>(config, { method: "POST", path: `${serverPath(id)}/tools/accept`, body: { tool, digest }, signal: options.signal }),
    },
    gateways: {
      list: async (options = {}) => (await request<{ gateways: McpGateway[] }>(config, { method: "GET", path: "/v1/admin/mcp/gateways", signal: options.signal })).gateways,
      create: (gateway, options = {}) => request<McpGateway>(config, { method: "POST", path: "/v1/admin/mcp/gateways", body: gateway, signal: options.signal }),
      get: (id, options = {}) => request<McpGateway>(config, { method: "GET", path: gatewayPath(id), signal: options.signal }),
      update: (id, changes, options = {}) => request<McpGateway>(config, { method: "PATCH", path: gatewayPath(id), body: changes, signal: options.signal }),
      delete: (id, options = {}) => request<McpGateway>(config, { method: "DELETE", path: gatewayPath(id), signal: options.signal }),
    },
  };
}

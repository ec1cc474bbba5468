/**
 * `@gatehouse/mcp`: Gatehouse for the Model Context Protocol (docs/integrations/mcp.md).
 *
 * - {@link GatehouseMcpProxy}: between any MCP client and any MCP server, every `tools/call`
 *   decided by the org's policies (`gatehouse mcp-proxy`); {@link connectDownstream} connects to the
 *   server behind it, {@link serveHttp} serves it over Streamable HTTP.
 * - {@link createGatehouseMcpServer}: Gatehouse's decisions as tools (`can_i`, `request_approval`,
 *   `await_approval`, `report_outcome`) for agents that ask explicitly (`gatehouse mcp-server`).
 */
export { AWAIT_TOOL_NAME, DECISION_META, type DecisionMeta } from "./answers.ts";
export { connectDownstream, type DownstreamTarget } from "./downstream.ts";
export { createGatehouseMcpServer, type GatehouseMcpServerOptions } from "./explicit-server.ts";
export { serveHttp, type HttpProxy, type ServeHttpOptions } from "./http.ts";
export { GatehouseMcpProxy, neverUsable, type GatehouseMcpProxyOptions } from "./proxy.ts";
export { PROXY_INTEGRATION, SERVER_INTEGRATION, VERSION } from "./version.ts";

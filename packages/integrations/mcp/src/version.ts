/** This package's version, sent with each role's name as `x-gatehouse-integration`. Kept equal to package.json by a test. */
export const VERSION = "0.1.0";

/** What the proxy's client names itself as (`gatehouse mcp-proxy`, {@link GatehouseMcpProxy}). */
export const PROXY_INTEGRATION = `mcp-proxy/${VERSION}`;

/** What the explicit server's client names itself as (`gatehouse mcp-server`, {@link createGatehouseMcpServer}). */
export const SERVER_INTEGRATION = `mcp-server/${VERSION}`;

export {
  createMcpGateway,
  createMcpServer,
  deleteMcpGateway,
  deleteMcpServer,
  getMcpGateway,
  getMcpServer,
  listMcpGateways,
  listMcpServers,
  MCP_CREDENTIAL_PURPOSE,
  updateMcpGateway,
  updateMcpServer,
} from "./manage-mcp";
export {
  callGatewayTool,
  closeGatewaySession,
  DECISION_META,
  findGateway,
  findGatewaySession,
  listGatewayTools,
  McpRpcError,
  openGatewaySession,
  type GatewayRow,
  type GatewaySession,
  type Progress,
} from "./gateway";
export { acceptMcpTool, listMcpServerTools } from "./tool-pins";

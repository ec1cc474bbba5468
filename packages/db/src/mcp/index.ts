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

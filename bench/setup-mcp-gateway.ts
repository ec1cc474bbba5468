// Creates the MCP gateway benchmark's org in DATABASE_URL: one agent, a policy that allows the upstream's tool, the
// upstream (argv[2]) registered as the server `echo`, and the gateway `bench` in front of it. Prints { agent, slug }.
import { closeSignals, createMcpGateway, createMcpServer, disconnectDb } from "@gatehouse/db";
import { createTestOrg } from "@gatehouse/db/testing";

const url = process.argv[2];
if (!url) throw new Error("usage: setup-mcp-gateway.ts <upstream url>");
const org = await createTestOrg({ label: "bench-mcp", policies: [{ name: "echo", actions: ["mcp.echo.*", "tool.echo"], effect: "allow" }] });
await createMcpServer({ ctx: org.ctx, input: { name: "echo", url } });
await createMcpGateway({ ctx: org.ctx, input: { name: "bench", servers: ["echo"] } });
console.log(JSON.stringify({ agent: org.agent.apiKey, slug: org.org.slug }));
await disconnectDb();
await closeSignals();

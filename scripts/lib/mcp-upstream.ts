/**
 * An MCP server made with the official TypeScript SDK, over Streamable HTTP on loopback, one `McpServer` per session as
 * the SDK's examples run one: the upstream the hosted MCP gateway's tests, its browser journey, the embedded smoke test
 * and its benchmark put behind a gateway (docs/integrations/mcp.md). `register` adds the tools to each session's server;
 * `credential`: the `Authorization` value it requires (401 otherwise).
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";

export interface McpUpstream {
  url: string;
  close: () => Promise<void>;
}

export async function startMcpUpstream(options: { name: string; register: (server: McpServer) => void; credential?: string }): Promise<McpUpstream> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const server = createServer((request, response) => {
    void (async () => {
      if (options.credential !== undefined && request.headers.authorization !== options.credential) return void response.writeHead(401).end();
      const id = request.headers["mcp-session-id"];
      let transport = typeof id === "string" ? transports.get(id) : undefined;
      if (!transport) {
        if (id !== undefined) return void response.writeHead(404).end();
        const fresh = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), onsessioninitialized: (sid) => void transports.set(sid, fresh) });
        transport = fresh;
        const mcp = new McpServer({ name: options.name, version: "1.0.0" });
        options.register(mcp);
        await mcp.connect(fresh);
      }
      await transport.handleRequest(request, response);
    })().catch(() => response.destroy());
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    close: async () => {
      for (const transport of transports.values()) await transport.close().catch(() => undefined);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

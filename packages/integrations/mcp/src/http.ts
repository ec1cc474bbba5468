/**
 * The proxy over Streamable HTTP: `POST`/`GET`/`DELETE` on `http://<host>:<port>/mcp`, one MCP
 * session (and one server from {@link GatehouseMcpProxy.server}) per client. Whoever reaches the
 * endpoint acts as the agent, so it listens on 127.0.0.1 unless told otherwise and refuses requests
 * whose `Host` is not its own address (a web page's DNS-rebinding attack on a local port).
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import type { GatehouseMcpProxy } from "./proxy.ts";

/** Options of {@link serveHttp}. */
export interface ServeHttpOptions {
  /** The port; 0 picks a free one (the answer's `url` says which). */
  port: number;
  /** The address to listen on. Default: `127.0.0.1`. */
  host?: string;
}

/** A listening proxy. */
export interface HttpProxy {
  /** The MCP endpoint, e.g. `http://127.0.0.1:8931/mcp`. */
  url: string;
  /** Ends every session and stops listening. */
  close(): Promise<void>;
}

const PATH = "/mcp";
/** The largest request body read before a session exists (an `initialize`). */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Serves `proxy` over Streamable HTTP until {@link HttpProxy.close}. */
export async function serveHttp(proxy: GatehouseMcpProxy, options: ServeHttpOptions): Promise<HttpProxy> {
  const host = options.host ?? "127.0.0.1";
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  let allowedHosts: string[] = [];

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (new URL(request.url ?? "/", "http://localhost").pathname !== PATH) return reply(response, 404, "Not found: the MCP endpoint is /mcp");
    const sessionId = request.headers["mcp-session-id"];
    const session = typeof sessionId === "string" ? sessions.get(sessionId) : undefined;
    if (session !== undefined) return session.handleRequest(request, response);
    if (sessionId !== undefined) return reply(response, 404, "Session not found: initialize a new one");
    if (request.method !== "POST") return reply(response, 400, "No session: send initialize first");
    const body = await readJson(request);
    if (!isInitializeRequest(body)) return reply(response, 400, "No session: send initialize first");
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => void sessions.set(id, transport),
      enableDnsRebindingProtection: true,
      allowedHosts,
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
    };
    await proxy.server().connect(transport);
    await transport.handleRequest(request, response, body);
  }

  const http = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent)
        reply(response, error instanceof SyntaxError || error instanceof RangeError ? 400 : 500, error instanceof Error ? error.message : "Internal error");
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port, host, () => resolve());
  });
  const address = http.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  const shown = host.includes(":") ? `[${host}]` : host;
  allowedHosts = [`${shown}:${port}`, ...(host === "127.0.0.1" || host === "::1" ? [`localhost:${port}`] : [])];
  return {
    url: `http://${shown}:${port}${PATH}`,
    async close() {
      await Promise.all([...sessions.values()].map((transport) => transport.close()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** A JSON-RPC error without an id, the shape the SDK's own transport answers refusals with. */
function reply(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message }, id: null }));
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RangeError(`The request body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

/**
 * The connection to the server behind the proxy: a command started with stdio, or a Streamable HTTP
 * URL. The proxy's client declares no capabilities, so that server cannot ask anything of the
 * client in front (no sampling, no elicitation, no roots): nothing reaches the client, or a person,
 * except through a tool call Gatehouse decided.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { downstreamEnvironment } from "./env.ts";
import { VERSION } from "./version.ts";

/** The server behind the proxy. */
export type DownstreamTarget =
  | {
      /** The command that starts it, speaking MCP on its stdin and stdout; its stderr goes to this process's. */
      command: string;
      args?: readonly string[];
      /** Its environment. Default: this process's, without `GATEHOUSE_*` (the agent's key stays with the proxy). */
      env?: Record<string, string>;
      cwd?: string;
    }
  | {
      /** Its Streamable HTTP endpoint, e.g. `http://127.0.0.1:8080/mcp`. */
      url: string | URL;
    };

/** A client connected (initialized) to the server behind the proxy. Close it to stop a started command. */
export async function connectDownstream(target: DownstreamTarget): Promise<Client> {
  const client = new Client({ name: "gatehouse-mcp-proxy", version: VERSION }, { capabilities: {} });
  const transport =
    "url" in target
      ? new StreamableHTTPClientTransport(new URL(target.url))
      : new StdioClientTransport({
          command: target.command,
          args: [...(target.args ?? [])],
          env: target.env ?? downstreamEnvironment(),
          stderr: "inherit",
          ...(target.cwd === undefined ? {} : { cwd: target.cwd }),
        });
  await client.connect(transport);
  return client;
}

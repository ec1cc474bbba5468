/**
 * `gatehouse mcp-proxy`: Gatehouse between an MCP client and an MCP server, every tool call decided
 * by policy; `gatehouse mcp-server`: Gatehouse as an MCP server with can_i, request_approval,
 * await_approval and report_outcome. Both act with the agent's key and are built on @gatehouse/mcp
 * (bundled in); docs/integrations/mcp.md says what they do.
 *
 * On stdio, stdout carries MCP and nothing else: what the commands have to say goes to stderr.
 */
import { connectDownstream, createGatehouseMcpServer, GatehouseMcpProxy, serveHttp, type DownstreamTarget } from "@gatehouse/mcp";
import { DEFAULT_BASE_URL, Gatehouse } from "@gatehouse/sdk";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { EXIT_FAILURE, EXIT_OK, UsageError } from "./cli-common.ts";
import { defineCommand, type CliIo, type CommandGroup } from "./command.ts";

const DEFAULT_WAIT_SECONDS = 50;
const DEFAULT_PORT = 8931;

const AGENT_CONNECTION = `Connection:
  --api-key <key>    The agent's key (gh_…). Default: $GATEHOUSE_API_KEY, else gatehouse login's
  --base-url <url>   Where the Gatehouse API listens. Default: $GATEHOUSE_BASE_URL, else gatehouse
                     login's, else ${DEFAULT_BASE_URL}`;

export const MCP_PROXY_HELP = `Usage: gatehouse mcp-proxy [options] -- <command> [<arg>…]
       gatehouse mcp-proxy [options] --upstream-url <url>

Stands between an MCP client and an MCP server and asks Gatehouse before every tool call, with the
agent's key. Serves the client on stdin and stdout (configure it in the client as the server's
command) or, with --http, over Streamable HTTP on 127.0.0.1; starts the server behind it with the
command after -- (its stdio), or connects to the Streamable HTTP server at --upstream-url.

Each tools/call is decided as mcp.<server>.<tool> (names in snake_case), with { arguments,
annotations } as metadata and the approval bound to the digest of the arguments. Denied: the
client gets an error result with the reason; the tool does not run. Allowed: the call runs and its
outcome is reported. Held for approval: the call waits up to --wait-seconds for a person (with
progress notifications when the client asks for them); not decided by then, it answers with the
approval's id and link, and the model resumes it with the proxy's own gatehouse_await_approval
tool. The same call asked again finds the same pending approval, across reconnects and restarts.
An approval runs its call once. Clients that speak tasks (protocol 2025-11-25) get a task that
ends when the call does.

Options:
  --server-name <name>   The <server> of the action types. Default: the name the server gives
  --hide-denied          Leave out of tools/list the tools policies deny whatever the arguments
  --wait-seconds <n>     How long a call waits for a person (0-3600). Default: ${DEFAULT_WAIT_SECONDS}
  --http                 Serve Streamable HTTP at http://127.0.0.1:<port>/mcp instead of stdio
  --port <n>             The port of --http (0: any free port; the URL is printed on stderr).
                         Default: ${DEFAULT_PORT}
  --upstream-url <url>   The server behind is the Streamable HTTP server at <url>, not a command

${AGENT_CONNECTION}

The command gets this process's environment without GATEHOUSE_*. Exit status: 0 when the client
disconnects (or Ctrl-C), 1 when the server behind cannot be reached or goes away.
`;

export const MCP_SERVER_HELP = `Usage: gatehouse mcp-server [--wait-seconds <n>]

Gatehouse as an MCP server on stdin and stdout, for agents that ask before they act, with the
agent's key. Its tools: can_i (what Gatehouse would decide now; records nothing), request_approval
(a recorded decision: allowed, denied, or held for a person), await_approval (waits for the
person's decision; a denial comes with the reviewer's reason; pass the tool call to check the
approval was granted for exactly it) and report_outcome (how the action went).

Options:
  --wait-seconds <n>   The longest await_approval waits in one call (0-3600). Default: ${DEFAULT_WAIT_SECONDS}

${AGENT_CONNECTION}
`;

function secondsOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_WAIT_SECONDS;
  const seconds = Number(value);
  if (!/^\d+$/.test(value) || seconds > 3600) throw new UsageError("--wait-seconds must be a whole number of seconds from 0 to 3600");
  return seconds;
}

function portOf(value: string | undefined, http: boolean): number {
  if (value === undefined) return DEFAULT_PORT;
  if (!http) throw new UsageError("--port is the port of --http: add --http");
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError("--port must be a port number from 0 to 65535");
  return port;
}

function targetOf(args: readonly string[], url: string | undefined): DownstreamTarget {
  if (url !== undefined) {
    if (args.length > 0) throw new UsageError(`give the server behind the proxy as a command or as --upstream-url, not both (unexpected "${args[0]}")`);
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new UsageError("--upstream-url must be an http:// or https:// URL");
    return { url };
  }
  const [command, ...rest] = args;
  if (command === undefined) throw new UsageError("name the server behind the proxy: gatehouse mcp-proxy -- <command> [<arg>…], or --upstream-url <url>");
  return { command, args: rest };
}

/** A client on the agent's key: the proxy and the server act as an agent, never as a member. */
function agentClient(io: CliIo, command: string): Gatehouse {
  const client = io.client();
  if (!(client instanceof Gatehouse)) throw new UsageError(`${command} acts as an agent: pass the agent's key (gh_…), not an org admin key`);
  return client;
}

/** Resolves when the client in front is gone: stdin ended (the client closed it or exited). */
function stdinEnded(): Promise<void> {
  return new Promise((resolve) => {
    process.stdin.once("end", resolve);
    process.stdin.once("close", resolve);
  });
}

function aborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal === undefined) return;
    if (signal.aborted) resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

function closedConnection(client: Client): Promise<"gone"> {
  return new Promise((resolve) => {
    const before = client.onclose;
    client.onclose = () => {
      before?.();
      resolve("gone");
    };
  });
}

const proxy = defineCommand({
  name: "",
  synopsis: "[options] -- <command> [<arg>…]",
  summary: "Serve an MCP server through Gatehouse: every tool call decided by policy",
  options: {
    "server-name": { type: "string" },
    "hide-denied": { type: "boolean" },
    "wait-seconds": { type: "string" },
    http: { type: "boolean" },
    port: { type: "string" },
    "upstream-url": { type: "string" },
  },
  connection: "any",
  help: MCP_PROXY_HELP,
  async run(io, args, options) {
    const waitSeconds = secondsOf(options["wait-seconds"]);
    const port = portOf(options.port, options.http);
    const target = targetOf(args, options["upstream-url"]);
    const gatehouse = agentClient(io, "mcp-proxy");
    const say = (text: string) => io.stderr(`gatehouse mcp-proxy: ${text}\n`);

    const downstream = await connectDownstream(target);
    const gone = closedConnection(downstream);
    const gateway = new GatehouseMcpProxy({
      gatehouse,
      downstream,
      waitSeconds,
      hideDenied: options["hide-denied"],
      ...(options["server-name"] === undefined ? {} : { serverName: options["server-name"] }),
      onError: (error) => say(error instanceof Error ? error.message : String(error)),
    });
    let ended: "gone" | "done";
    if (options.http) {
      const listening = await serveHttp(gateway, { port });
      say(`${gateway.serverName} on ${listening.url} (tools decided as mcp.${gateway.serverName}.<tool>)`);
      ended = await Promise.race([gone, aborted(io.signal).then(() => "done" as const)]);
      await listening.close();
    } else {
      const server = gateway.server();
      const clientGone = stdinEnded();
      await server.connect(new StdioServerTransport());
      ended = await Promise.race([gone, clientGone.then(() => "done" as const), aborted(io.signal).then(() => "done" as const)]);
    }
    await gateway.close();
    await downstream.close();
    if (ended === "gone") {
      say("the server behind the proxy went away");
      return EXIT_FAILURE;
    }
    return EXIT_OK;
  },
});

const server = defineCommand({
  name: "",
  synopsis: "[--wait-seconds <n>]",
  summary: "Serve Gatehouse as MCP tools: can_i, request_approval, await_approval, report_outcome",
  options: { "wait-seconds": { type: "string" } },
  connection: "any",
  help: MCP_SERVER_HELP,
  async run(io, args, options) {
    if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
    const waitSeconds = secondsOf(options["wait-seconds"]);
    const mcp = createGatehouseMcpServer({ gatehouse: agentClient(io, "mcp-server"), waitSeconds });
    const clientGone = stdinEnded();
    await mcp.connect(new StdioServerTransport());
    await Promise.race([clientGone, aborted(io.signal)]);
    await mcp.close();
    return EXIT_OK;
  },
});

export const mcpProxyGroup: CommandGroup = { name: "mcp-proxy", commands: [proxy] };
export const mcpServerGroup: CommandGroup = { name: "mcp-server", commands: [server] };

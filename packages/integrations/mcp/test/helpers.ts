/**
 * Real processes for the MCP tests: `gatehouse mcp-proxy` and `gatehouse mcp-server` run from source
 * (node + tsx, as `npm run gatehouse` does) with the fixture server (fixtures/server.mjs) behind the
 * proxy, and the official MCP client in front, over stdio or Streamable HTTP.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Client, type ClientOptions } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { DECISION_META, type DecisionMeta } from "@gatehouse/mcp";
import { CallToolResultSchema, type CallToolResult, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

export const ROOT = resolve(import.meta.dirname, "../../../..");
const BIN = join(ROOT, "packages/cli/src/bin.ts");
export const FIXTURE = join(import.meta.dirname, "fixtures/server.mjs");
export const CLI = ["--conditions=@gatehouse/source", "--import", "tsx", BIN];

/** What the fixture server ran: one `{ tool, args }` per call that reached it. */
export interface Ran {
  tool: string;
  args: Record<string, unknown>;
}

export function newLog(): string {
  return join(mkdtempSync(join(tmpdir(), "gatehouse-mcp-")), "ran.jsonl");
}

export function ranIn(log: string): Ran[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Ran);
}

/** Rewrites the client's `initialize` to ask for `version` (the official client always asks for the latest), and keeps what was agreed. */
function pinVersion(message: JSONRPCMessage, version: string | undefined): JSONRPCMessage {
  if (version === undefined || !("method" in message) || message.method !== "initialize") return message;
  return { ...message, params: { ...message.params, protocolVersion: version } };
}

class StdioAt extends StdioClientTransport {
  negotiated: string | undefined;
  constructor(
    parameters: ConstructorParameters<typeof StdioClientTransport>[0],
    readonly version: string | undefined,
  ) {
    super(parameters);
  }
  override send(message: JSONRPCMessage): Promise<void> {
    return super.send(pinVersion(message, this.version));
  }
  setProtocolVersion(version: string): void {
    this.negotiated = version;
  }
}

class HttpAt extends StreamableHTTPClientTransport {
  constructor(
    url: URL,
    readonly version: string | undefined,
  ) {
    super(url);
  }
  override send(message: JSONRPCMessage | JSONRPCMessage[], options?: Parameters<StreamableHTTPClientTransport["send"]>[1]): Promise<void> {
    return super.send(Array.isArray(message) ? message : pinVersion(message, this.version), options);
  }
}

export interface Connected {
  client: Client;
  /** The protocol revision the client and the server agreed on. */
  negotiated: () => string | undefined;
  /** The process the client started (stdio), to kill it. */
  pid: number | null;
  stderr: () => string;
  close: () => Promise<void>;
}

/** The official client over stdio, starting `gatehouse <argv>` with the agent's key in its environment. */
export async function overStdio(argv: string[], env: Record<string, string>, options: { version?: string; client?: ClientOptions } = {}): Promise<Connected> {
  const transport = new StdioAt({ command: process.execPath, args: [...CLI, ...argv], env, cwd: ROOT, stderr: "pipe" }, options.version);
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const client = new Client({ name: "test-client", version: "1.0.0" }, options.client);
  await client.connect(transport);
  return { client, negotiated: () => transport.negotiated, pid: transport.pid, stderr: () => stderr, close: () => client.close() };
}

/** The official client over Streamable HTTP. */
export async function overHttp(url: string, options: { version?: string } = {}): Promise<Connected> {
  const transport = new HttpAt(new URL(url), options.version);
  const client = new Client({ name: "test-client", version: "1.0.0" });
  await client.connect(transport);
  return { client, negotiated: () => transport.protocolVersion, pid: null, stderr: () => "", close: () => client.close() };
}

/** A long-running process whose stderr names the URL it serves. */
export interface Served {
  url: string;
  process: ChildProcess;
  stop: () => Promise<void>;
}

export function serving(command: string, args: string[], env: Record<string, string>, pattern: RegExp): Promise<Served> {
  const child = spawn(command, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env }, stdio: ["ignore", "ignore", "pipe"] });
  let seen = "";
  const stop = () =>
    new Promise<void>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once("exit", () => done());
      child.kill("SIGINT");
    });
  return new Promise((resolveServed, reject) => {
    child.stderr.on("data", (chunk: Buffer) => {
      seen += chunk.toString("utf8");
      const url = pattern.exec(seen)?.[1];
      if (url !== undefined) resolveServed({ url, process: child, stop });
    });
    child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited (${code}) before serving:\n${seen}`)));
  });
}

/** `gatehouse <argv>` from source, serving HTTP: the URL from its stderr. */
export function servingCli(argv: string[], env: Record<string, string>): Promise<Served> {
  return serving(process.execPath, [...CLI, ...argv], env, /on (http:\/\/\S+\/mcp)/);
}

/** Polls `probe` until it answers something other than undefined (every 50 ms, up to `ms`). */
export async function eventually<T>(probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error("gave up waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A tools/call through a connected client. */
export async function call(connected: Connected, name: string, args: Record<string, unknown>, options: Parameters<Client["callTool"]>[2] = {}): Promise<CallToolResult> {
  return (await connected.client.callTool({ name, arguments: args }, CallToolResultSchema, options)) as CallToolResult;
}

/** What a tool result says, as a model reads it. */
export const textOf = (result: CallToolResult): string => result.content.map((part) => (part.type === "text" ? part.text : "")).join("");

/** The decision the proxy put in a result's `_meta`. */
export const decisionOf = (result: CallToolResult): DecisionMeta | undefined => result._meta?.[DECISION_META] as DecisionMeta | undefined;

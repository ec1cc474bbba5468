import { classifyMessage, MCP_PROTOCOL_VERSIONS, parseSseMessages, type JsonRpcId } from "@gatehouse/core";
import { dbEnv } from "../infra/env";
import { postGuarded, type SendOptions } from "../infra/outbound";

/**
 * The gateway's side of one upstream MCP server (Streamable HTTP): a JSON-RPC request POSTed with the server's
 * sealed credential, its session and protocol headers, answered as JSON or as an event stream that ends with the
 * answer. Every request is bounded — at most `UPSTREAM_MAX_BYTES` read, `upstreamCallTimeoutMs()` waited (a list:
 * `UPSTREAM_LIST_TIMEOUT_MS`) — and goes through the SSRF guard of webhooks (infra/outbound.ts), checked where it
 * connects; redirects are never followed. A server that hangs or floods fails its own calls only.
 */

/** The most of one answer read; past it the request fails (a flood), the rest never read. */
export const UPSTREAM_MAX_BYTES = 4 * 1024 * 1024;
/** The longest a tool call's answer is waited for (GATEHOUSE_MCP_CALL_TIMEOUT_MS, a minute by default). */
export function upstreamCallTimeoutMs(): number {
  return dbEnv().GATEHOUSE_MCP_CALL_TIMEOUT_MS;
}
/** The longest an initialize or a list is waited for. */
export const UPSTREAM_LIST_TIMEOUT_MS = 10_000;

/** An upstream session: its id (absent for a stateless server) and the revision it speaks. */
export interface UpstreamSession {
  sessionId?: string;
  protocolVersion: string;
}

export interface Upstream {
  url: string;
  /** The Authorization header's value, opened from the vault; never logged or answered. */
  credential: string | null;
}

/** Why an upstream request failed, in Gatehouse's own words (never the server's text, which may hold anything). */
export class UpstreamFailure extends Error {
  constructor(
    message: string,
    /** The upstream forgot the session (404 to a request naming one): open a new one and try again. */
    readonly sessionGone = false,
  ) {
    super(message);
    this.name = "UpstreamFailure";
  }
}

/** A JSON-RPC error the upstream answered (its message kept for the client, which asked the server; never for the log). */
export class UpstreamError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data: unknown,
  ) {
    super(message);
    this.name = "UpstreamError";
  }
}

let nextId = 0;

async function post(
  upstream: Upstream,
  session: UpstreamSession | undefined,
  message: Record<string, unknown>,
  options: SendOptions,
): Promise<{ body: unknown[]; sessionId?: string }> {
  const headers: Record<string, string> = { accept: "application/json, text/event-stream" };
  if (upstream.credential !== null) headers.authorization = upstream.credential;
  if (session?.sessionId !== undefined) headers["mcp-session-id"] = session.sessionId;
  if (session !== undefined) headers["mcp-protocol-version"] = session.protocolVersion;
  const answer = await postGuarded(
    upstream.url,
    { headers, body: JSON.stringify(message), contentType: "application/json", userAgent: "Gatehouse-MCP-Gateway/1", maxResponseBytes: UPSTREAM_MAX_BYTES },
    options,
  );
  const sessionId = typeof answer.headers["mcp-session-id"] === "string" ? answer.headers["mcp-session-id"] : undefined;
  if (answer.status === 404 && session?.sessionId !== undefined) throw new UpstreamFailure("the server ended the session", true);
  if (answer.status === 202 && message.id === undefined) return { body: [], ...(sessionId === undefined ? {} : { sessionId }) };
  if (!answer.ok) throw new UpstreamFailure(answer.error ?? `answered ${answer.status}`);
  const type = answer.contentType?.split(";")[0]?.trim().toLowerCase();
  let body: unknown[];
  if (type === "text/event-stream") body = parseSseMessages(answer.body);
  else if (type === "application/json") {
    try {
      const parsed: unknown = JSON.parse(answer.body);
      body = Array.isArray(parsed) ? parsed : [parsed];
    } catch {
      throw new UpstreamFailure("answered JSON that does not parse");
    }
  } else if (message.id === undefined) body = [];
  else throw new UpstreamFailure(`answered ${type ?? "no content type"}, not JSON or an event stream`);
  return { body, ...(sessionId === undefined ? {} : { sessionId }) };
}

/** The answer to request `id` among what the upstream sent; a JSON-RPC error is thrown as UpstreamError. */
function answerTo(id: JsonRpcId, messages: unknown[]): unknown {
  for (const message of messages) {
    const classified = classifyMessage(message);
    if (classified.kind !== "response" || classified.id !== id) continue;
    const { result, error } = message as { result?: unknown; error?: { code?: unknown; message?: unknown; data?: unknown } };
    if (error !== undefined) {
      throw new UpstreamError(typeof error.code === "number" ? error.code : -32603, typeof error.message === "string" ? error.message.slice(0, 2_000) : "error", error.data);
    }
    return result;
  }
  throw new UpstreamFailure("answered without a response to the request");
}

/** Opens a session with the upstream: initialize, then the initialized notification. */
export async function openUpstreamSession(upstream: Upstream, options: SendOptions = {}): Promise<UpstreamSession> {
  const id = `gh-${++nextId}`;
  const { body, sessionId } = await post(
    upstream,
    undefined,
    {
      jsonrpc: "2.0",
      id,
      method: "initialize",
      params: { protocolVersion: MCP_PROTOCOL_VERSIONS[0], capabilities: {}, clientInfo: { name: "gatehouse-mcp-gateway", version: "1" } },
    },
    { timeoutMs: UPSTREAM_LIST_TIMEOUT_MS, ...options },
  );
  const result = answerTo(id, body) as { protocolVersion?: unknown } | undefined;
  const protocolVersion = typeof result?.protocolVersion === "string" ? result.protocolVersion : MCP_PROTOCOL_VERSIONS[0];
  if (!(MCP_PROTOCOL_VERSIONS as readonly string[]).includes(protocolVersion))
    throw new UpstreamFailure(`speaks protocol revision ${protocolVersion.slice(0, 20)}, which the gateway does not`);
  const session: UpstreamSession = { protocolVersion, ...(sessionId === undefined ? {} : { sessionId }) };
  await post(upstream, session, { jsonrpc: "2.0", method: "notifications/initialized" }, { timeoutMs: UPSTREAM_LIST_TIMEOUT_MS, ...options });
  return session;
}

/** One request on an upstream session, answered with its result. */
export async function upstreamRequest(upstream: Upstream, session: UpstreamSession, method: string, params: Record<string, unknown>, options: SendOptions = {}): Promise<unknown> {
  const id = `gh-${++nextId}`;
  const { body } = await post(upstream, session, { jsonrpc: "2.0", id, method, params }, options);
  return answerTo(id, body);
}

/**
 * The MCP wire format as the hosted gateway reads it (issue 65; the MCP specification's "Base protocol" and
 * "Streamable HTTP" transport): one JSON-RPC 2.0 message per POST, classified before anything acts on it, and the
 * Server-Sent Events an upstream may answer with. Pure: no I/O.
 */

/** The protocol revisions the gateway speaks, newest first (each answered as the client asked; otherwise the newest). */
export const MCP_PROTOCOL_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26"] as const;
export type McpProtocolVersion = (typeof MCP_PROTOCOL_VERSIONS)[number];

/** What the server answers a client asking for `requested`: the same revision when it speaks it, else its newest. */
export function negotiateProtocolVersion(requested: unknown): McpProtocolVersion {
  return (MCP_PROTOCOL_VERSIONS as readonly unknown[]).includes(requested) ? (requested as McpProtocolVersion) : MCP_PROTOCOL_VERSIONS[0];
}

/** Whether a `MCP-Protocol-Version` header names a revision the gateway speaks (absent: the spec's fallback, accepted). */
export function acceptsProtocolHeader(header: string | undefined): boolean {
  return header === undefined || (MCP_PROTOCOL_VERSIONS as readonly string[]).includes(header);
}

export type JsonRpcId = string | number;

/** JSON-RPC error codes the gateway answers with. */
export const JSON_RPC_ERRORS = { parse: -32700, invalidRequest: -32600, methodNotFound: -32601, invalidParams: -32602, internal: -32603 } as const;

/** One message a client sent, classified. */
export type McpMessage =
  | { kind: "request"; id: JsonRpcId; method: string; params: Record<string, unknown> }
  | { kind: "notification"; method: string; params: Record<string, unknown> }
  | { kind: "response"; id: JsonRpcId }
  | { kind: "invalid"; id: JsonRpcId | null; reason: string };

function isId(value: unknown): value is JsonRpcId {
  return (typeof value === "string" && value.length > 0 && value.length <= 200) || (typeof value === "number" && Number.isSafeInteger(value));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * One parsed body as a message. Everything the gateway cannot classify is `invalid` and answered as an error, never
 * forwarded: a batch (an array: gone from the protocol since 2025-06-18), a wrong `jsonrpc`, an id that is null, empty,
 * fractional or too long, params that are not an object, and a message without an id whose method is not a
 * notification's (`notifications/…`) — a request smuggled as a notification, which would otherwise run unanswered.
 */
export function classifyMessage(body: unknown): McpMessage {
  if (Array.isArray(body)) return { kind: "invalid", id: null, reason: "batches are not accepted: send one JSON-RPC message per request" };
  if (!isPlainObject(body)) return { kind: "invalid", id: null, reason: "the body must be one JSON-RPC message (an object)" };
  const hasId = Object.hasOwn(body, "id");
  const id = hasId && isId(body.id) ? body.id : null;
  if (body.jsonrpc !== "2.0") return { kind: "invalid", id, reason: 'jsonrpc must be "2.0"' };
  if (hasId && id === null) return { kind: "invalid", id: null, reason: "id must be a non-empty string (at most 200 characters) or an integer" };
  if (body.params !== undefined && !isPlainObject(body.params)) return { kind: "invalid", id, reason: "params must be an object" };
  const params = (body.params as Record<string, unknown> | undefined) ?? {};
  if (typeof body.method === "string") {
    if (body.method.length === 0 || body.method.length > 200) return { kind: "invalid", id, reason: "method must be 1 to 200 characters" };
    if (id !== null) return { kind: "request", id, method: body.method, params };
    if (!body.method.startsWith("notifications/"))
      return { kind: "invalid", id: null, reason: `'${body.method.slice(0, 60)}' is a request's method, sent without an id: it is not run` };
    return { kind: "notification", method: body.method, params };
  }
  if (body.method !== undefined) return { kind: "invalid", id, reason: "method must be a string" };
  if (id !== null && (Object.hasOwn(body, "result") || Object.hasOwn(body, "error"))) return { kind: "response", id };
  return { kind: "invalid", id, reason: "neither a request, a notification nor a response" };
}

/** A JSON-RPC answer to a request. */
export function jsonRpcResult(id: JsonRpcId, result: unknown): { jsonrpc: "2.0"; id: JsonRpcId; result: unknown } {
  return { jsonrpc: "2.0", id, result };
}

export function jsonRpcError(
  id: JsonRpcId | null,
  code: number,
  message: string,
  data?: unknown,
): { jsonrpc: "2.0"; id: JsonRpcId | null; error: { code: number; message: string; data?: unknown } } {
  return { jsonrpc: "2.0", id, error: { code, message, ...(data === undefined ? {} : { data }) } };
}

/** The JSON messages of a Server-Sent Events body (each event's `data:` lines joined); events whose data is not JSON are skipped. */
export function parseSseMessages(text: string): unknown[] {
  const messages: unknown[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const data = block
      .split(/\r?\n/)
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(line.startsWith("data: ") ? 6 : 5));
    if (data.length === 0) continue;
    try {
      messages.push(JSON.parse(data.join("\n")));
    } catch {
      // Not a message (a comment, a keep-alive): nothing to read.
    }
  }
  return messages;
}

/** One Server-Sent Event carrying a JSON-RPC message. */
export function sseEvent(message: unknown): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}

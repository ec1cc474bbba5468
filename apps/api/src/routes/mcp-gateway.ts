import {
  acceptsProtocolHeader,
  classifyMessage,
  DOMAIN_ERROR_STATUS,
  forbidden,
  isDomainError,
  notFound,
  JSON_RPC_ERRORS,
  jsonRpcError,
  jsonRpcResult,
  MCP_PROTOCOL_VERSIONS,
  negotiateProtocolVersion,
  sseEvent,
  type JsonRpcId,
} from "@gatehouse/core";
import {
  callGatewayTool,
  dbEnv,
  closeGatewaySession,
  findGateway,
  findGatewaySession,
  listGatewayTools,
  McpRpcError,
  openGatewaySession,
  type GatewayRow,
  type GatewaySession,
} from "@gatehouse/db";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { authenticate, ctxOf, keyIdOf } from "../auth";
import { untilClientLeaves } from "../until-client-leaves";

/**
 * The hosted MCP gateway's endpoint (issue 65, docs/integrations/mcp.md, ADR 0052): `/mcp/<org slug>/<gateway>` speaks
 * MCP's Streamable HTTP transport — one JSON-RPC message per POST, answered as JSON, or as an event stream when a call
 * waits for a person (its progress told as it waits). It is an OAuth 2.1 protected resource (RFC 9728): a request
 * without a valid credential is a 401 naming its metadata. Agents present their agent key as the bearer. Sessions are
 * rows of the database, so any API instance answers any of them. It speaks MCP, not the REST contract: the OpenAPI
 * document leaves it out.
 */

/** The largest message a client may POST (a tool call's arguments included); the body is refused before it is parsed. */
export const MCP_BODY_LIMIT = 1024 * 1024;
const SERVER_VERSION = "1";

type GatewayParams = { orgSlug: string; gateway: string };

function resourcePath(params: GatewayParams): string {
  return `/mcp/${encodeURIComponent(params.orgSlug)}/${encodeURIComponent(params.gateway)}`;
}

/** The API's public origin: GATEHOUSE_API_URL, else what the request says (its scheme and Host). */
function originOf(request: FastifyRequest): string {
  const configured = dbEnv().GATEHOUSE_API_URL;
  return configured ? new URL(configured).origin : `${request.protocol}://${request.host}`;
}

/** The protected resource metadata's URL for this gateway (RFC 9728 §3.1: the well-known prefix before the resource's path). */
function metadataUrl(request: FastifyRequest, params: GatewayParams): string {
  return `${originOf(request)}/.well-known/oauth-protected-resource${resourcePath(params)}`;
}

/**
 * The gateway's key check: the API's own (`authenticate`: failures counted per address), a 401 carrying
 * `WWW-Authenticate: Bearer resource_metadata="…"` so a client finds how to sign in. Only an agent acts at a gateway;
 * a key of another org is answered like a gateway that does not exist (404), never 403.
 */
async function gatewayAuth(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const params = request.params as GatewayParams;
  try {
    await authenticate(request);
  } catch (error) {
    if (isDomainError(error) && DOMAIN_ERROR_STATUS[error.code] === 401) {
      void reply.header("www-authenticate", `Bearer resource_metadata="${metadataUrl(request, params)}"`);
    }
    throw error;
  }
  const ctx = ctxOf(request);
  if (ctx.actor.type !== "agent") throw forbidden("an MCP gateway acts as an agent: connect with an agent key");
  if (ctx.org.slug !== params.orgSlug) throw notFound("MCP gateway");
}

function accepts(request: FastifyRequest, type: string): boolean {
  const accept = request.headers.accept;
  return accept === undefined || accept.includes(type) || accept.includes("*/*");
}

function headerOf(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === "string" ? value : undefined;
}

/** Answers one JSON-RPC message as JSON (an error with the HTTP status the transport asks for). */
function answer(reply: FastifyReply, status: number, message: unknown): FastifyReply {
  return reply.status(status).header("content-type", "application/json").send(message);
}

export async function mcpGatewayRoutes(app: FastifyInstance): Promise<void> {
  // RFC 9728: where a client learns how to get a token for the gateway. Public: it says nothing a 401 does not.
  app.get<{ Params: GatewayParams }>("/.well-known/oauth-protected-resource/mcp/:orgSlug/:gateway", async (request, reply) => {
    // Cached only when it names the configured origin: one derived from a request's Host is that request's alone.
    return reply.header("cache-control", dbEnv().GATEHOUSE_API_URL ? "public, max-age=300" : "no-store").send({
      resource: `${originOf(request)}${resourcePath(request.params)}`,
      bearer_methods_supported: ["header"],
      resource_name: `Gatehouse MCP gateway ${request.params.gateway}`,
    });
  });

  app.route<{ Params: GatewayParams }>({
    method: "POST",
    url: "/mcp/:orgSlug/:gateway",
    bodyLimit: MCP_BODY_LIMIT,
    onRequest: [gatewayAuth],
    handler: async (request, reply) => {
      const ctx = ctxOf(request);
      if (!acceptsProtocolHeader(headerOf(request, "mcp-protocol-version"))) {
        return answer(reply, 400, jsonRpcError(null, JSON_RPC_ERRORS.invalidRequest, `unsupported MCP-Protocol-Version: this gateway speaks ${MCP_PROTOCOL_VERSIONS.join(", ")}`));
      }
      const message = classifyMessage(request.body);
      if (message.kind === "invalid") return answer(reply, 400, jsonRpcError(message.id, JSON_RPC_ERRORS.invalidRequest, message.reason));
      const sessionId = headerOf(request, "mcp-session-id");
      // The gateway and the session are read together: one round trip's time, not two.
      const [gateway, session] = await Promise.all([
        findGateway(ctx, request.params.gateway),
        sessionId === undefined ? Promise.resolve(null) : findGatewaySession(ctx, request.params.gateway, sessionId),
      ]);

      if (message.kind === "request" && message.method === "initialize") {
        if (sessionId !== undefined)
          return answer(reply, 400, jsonRpcError(message.id, JSON_RPC_ERRORS.invalidRequest, "initialize opens a session: send it without Mcp-Session-Id"));
        const protocolVersion = negotiateProtocolVersion(message.params.protocolVersion);
        const clientInfo = message.params.clientInfo as { name?: unknown } | undefined;
        const session = await openGatewaySession({ ctx, gateway, protocolVersion, clientName: typeof clientInfo?.name === "string" ? clientInfo.name : null });
        void reply.header("mcp-session-id", session.id);
        return answer(
          reply,
          200,
          jsonRpcResult(message.id, {
            protocolVersion,
            capabilities: { tools: { listChanged: false } },
            serverInfo: { name: `gatehouse-gateway-${gateway.name}`, version: SERVER_VERSION },
            instructions: `Tools of the MCP servers behind the Gatehouse gateway '${gateway.name}', named <server>__<tool>. Every call is decided by the organization's policies; some wait for a person's approval.`,
          }),
        );
      }

      if (sessionId === undefined)
        return answer(
          reply,
          400,
          jsonRpcError(message.kind === "notification" ? null : message.id, JSON_RPC_ERRORS.invalidRequest, "Mcp-Session-Id is required: initialize first"),
        );
      // The transport's answer to a session the server does not know: 404, and the client starts a new one.
      if (!session)
        return answer(reply, 404, jsonRpcError(message.kind === "notification" ? null : message.id, JSON_RPC_ERRORS.invalidRequest, "no such session: initialize again"));

      // Notifications and responses (to requests this gateway never sends) are taken and change nothing.
      if (message.kind !== "request") return reply.status(202).send();
      return handleRequest(request, reply, { gateway, session, id: message.id, method: message.method, params: message.params });
    },
  });

  // No server-initiated stream: the gateway sends nothing unasked (the transport allows a 405 here).
  app.route<{ Params: GatewayParams }>({
    method: "GET",
    url: "/mcp/:orgSlug/:gateway",
    onRequest: [gatewayAuth],
    handler: async (_request, reply) =>
      reply
        .status(405)
        .header("allow", "POST, DELETE")
        .send({ error: { code: "METHOD_NOT_ALLOWED", message: "this gateway opens no stream of its own: POST messages" } }),
  });

  app.route<{ Params: GatewayParams }>({
    method: "DELETE",
    url: "/mcp/:orgSlug/:gateway",
    onRequest: [gatewayAuth],
    handler: async (request, reply) => {
      const ctx = ctxOf(request);
      const gateway = await findGateway(ctx, request.params.gateway);
      const sessionId = headerOf(request, "mcp-session-id");
      const session = sessionId === undefined ? null : await findGatewaySession(ctx, gateway.name, sessionId);
      if (!session) return answer(reply, 404, jsonRpcError(null, JSON_RPC_ERRORS.invalidRequest, "no such session"));
      await closeGatewaySession(ctx, gateway, session);
      return reply.status(204).send();
    },
  });
}

async function handleRequest(
  request: FastifyRequest,
  reply: FastifyReply,
  call: { gateway: GatewayRow; session: GatewaySession; id: JsonRpcId; method: string; params: Record<string, unknown> },
): Promise<FastifyReply> {
  const ctx = ctxOf(request);
  const { gateway, session, id, method } = call;
  try {
    switch (method) {
      case "ping":
        return answer(reply, 200, jsonRpcResult(id, {}));
      case "tools/list":
        return answer(reply, 200, jsonRpcResult(id, await untilClientLeaves(reply, (signal) => listGatewayTools(ctx, gateway, session, signal))));
      case "tools/call": {
        // Each call holds one of its key's wait slots while it runs (a held call may wait for a person for long): at most
        // API_MAX_WAITS_PER_KEY at once per key in this process, 429 past it, as for approval waits.
        const release = request.server.abuse.waits.acquire(keyIdOf(request));
        try {
          return await toolCall(request, reply, call);
        } finally {
          release();
        }
      }
      default:
        // Resources and prompts are their own action types, off until a gateway turns them on; anything else is unknown.
        return answer(reply, 200, jsonRpcError(id, JSON_RPC_ERRORS.methodNotFound, `Method not found: ${method.slice(0, 100)}`));
    }
  } catch (error) {
    if (error instanceof McpRpcError) return answer(reply, 200, jsonRpcError(id, error.code, error.message));
    // A refusal of the call itself (its arguments refused by the content rules, a value PostgreSQL cannot store): the
    // client's error, answered to its request; anything else is the gateway's, answered by the API's error handler.
    if (isDomainError(error) && DOMAIN_ERROR_STATUS[error.code] < 500) return answer(reply, 200, jsonRpcError(id, JSON_RPC_ERRORS.invalidParams, error.message, error.details));
    throw error;
  }
}

/**
 * A tool call, answered as JSON unless it waits for a person: then, when the client accepts an event stream, the answer
 * becomes one, with a progress notification for each wait when the client asked for progress (`_meta.progressToken`),
 * and the result as its last event.
 */
async function toolCall(
  request: FastifyRequest,
  reply: FastifyReply,
  call: { gateway: GatewayRow; session: GatewaySession; id: JsonRpcId; params: Record<string, unknown> },
): Promise<FastifyReply> {
  const ctx = ctxOf(request);
  const meta = call.params._meta as { progressToken?: unknown } | undefined;
  const token = typeof meta?.progressToken === "string" || typeof meta?.progressToken === "number" ? meta.progressToken : undefined;
  const streams = accepts(request, "text/event-stream");
  let streaming = false;
  let step = 0;
  const progress = (text: string) => {
    if (!streams) return;
    if (!streaming) {
      streaming = true;
      reply.hijack();
      reply.raw.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform", connection: "keep-alive", "x-request-id": request.id });
    }
    if (token !== undefined) reply.raw.write(sseEvent({ jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: token, progress: ++step, message: text } }));
    else reply.raw.write(": waiting\n\n");
  };
  let result: unknown;
  try {
    result = jsonRpcResult(call.id, await untilClientLeaves(reply, (signal) => callGatewayTool(ctx, call.gateway, call.session, call.params, { signal, progress })));
  } catch (error) {
    if (!streaming) throw error;
    result =
      error instanceof McpRpcError ? jsonRpcError(call.id, error.code, error.message) : jsonRpcError(call.id, JSON_RPC_ERRORS.internal, "the gateway could not finish this call");
    request.log.error({ err: error }, "MCP gateway tool call failed while streaming");
  }
  if (!streaming) return answer(reply, 200, result);
  reply.raw.end(sseEvent(result));
  return reply;
}

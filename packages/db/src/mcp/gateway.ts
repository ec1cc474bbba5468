import { randomBytes } from "node:crypto";
import {
  compareCatalogs,
  inspectInput,
  MAX_JSON_DEPTH,
  MAX_JSON_NODES,
  gatewayToolName,
  JSON_RPC_ERRORS,
  mcpActionType,
  newId,
  notFound,
  pinCatalog,
  screenToolDefinition,
  screenToolResult,
  splitGatewayToolName,
  ToolListRefused,
  type ActionResult,
  type ListedTool,
  type LocalFinding,
  type PinnedCatalog,
  type PinnedTool,
} from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requireAgent } from "../actors/require-permission";
import { MAX_WAIT_MS, waitForApproval } from "../approvals/wait-for-approval";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { decideAction } from "../decisions/decide-action";
import { reportOutcome } from "../decisions/report-outcome";
import { db, TX_OPTIONS } from "../infra/client";
import { openOrgSecret } from "../infra/org-vault";
import { MCP_CREDENTIAL_PURPOSE } from "./manage-mcp";
import {
  openUpstreamSession,
  UpstreamError,
  UpstreamFailure,
  upstreamRequest,
  UPSTREAM_LIST_TIMEOUT_MS,
  upstreamCallTimeoutMs,
  type Upstream,
  type UpstreamSession,
} from "./upstream";

/**
 * The hosted MCP gateway's work behind its endpoint (issue 65, docs/integrations/mcp.md): a client's session (a row
 * of `mcp_sessions`, so any API instance answers it), the tools of the gateway's servers (each server's catalogue
 * pinned the first time it is seen, a later change held), and every `tools/call` decided by `decideAction` as
 * `mcp.<server>.<tool>` before it is forwarded. Nothing the gateway cannot decide reaches a server.
 */

/** A JSON-RPC error for the client (the route answers it as one); never an upstream's words. */
export class McpRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = "McpRpcError";
  }
}

/** Pages of `tools/list` read from one server, and tools kept from it: a server that lists more is cut there. */
const MAX_LIST_PAGES = 10;
const MAX_TOOLS_PER_SERVER = 500;
/** A tool name the gateway offers (MCP's rule for tool names, with `/` that some servers use). */
const TOOL_NAME = /^[A-Za-z0-9_.\-/]{1,128}$/;
/** Sessions one agent keeps with one gateway. */
export const MAX_SESSIONS_PER_AGENT = 50;
/** An upstream failure is recorded (`mcp.error`) at most once a minute per gateway, server and method in a process. */
const ERROR_ENTRY_EVERY_MS = 60_000;
/** How a result is screened when the decision says nothing of content (as the SDK's adapters do). */
const TOOL_RESULT_DEFAULTS = { secrets: "redact", personalData: "redact" } as const;
/** Where a tool result's `_meta` carries the decision (the local proxy's key too). */
export const DECISION_META = "gatehouse/decision";

interface GatewayServer {
  id: string;
  name: string;
  url: string;
  credentialEnc: string | null;
}

export interface GatewayRow {
  id: string;
  name: string;
  onChange: string;
  servers: GatewayServer[];
}

export interface GatewaySession {
  id: string;
  gatewayId: string;
  protocolVersion: string;
  upstream: Record<string, UpstreamSession>;
}

/** Answers a tool call's progress to the client while it waits (a person's approval), when the client asked for progress. */
export type Progress = (message: string) => void;

async function loadGateway(ctx: Ctx, where: { name: string } | { id: string }): Promise<GatewayRow | null> {
  const row = await db().mcpGateway.findFirst({
    where: { orgId: ctx.org.id, ...where },
    include: { servers: { include: { server: { omit: { credentialEnc: false } } } } },
  });
  if (!row) return null;
  return {
    id: row.id,
    name: row.name,
    onChange: row.onChange,
    servers: row.servers.map(({ server }) => ({ id: server.id, name: server.name, url: server.url, credentialEnc: server.credentialEnc })),
  };
}

/** The org's gateway by name, for the key's org: another org's, or none, is not found. */
export async function findGateway(ctx: Ctx, name: string): Promise<GatewayRow> {
  const gateway = await loadGateway(ctx, { name });
  if (!gateway) throw notFound("MCP gateway");
  return gateway;
}

/** A new session of the agent with the gateway, and its `mcp.connected` entry. */
export async function openGatewaySession({
  ctx,
  gateway,
  protocolVersion,
  clientName,
}: {
  ctx: Ctx;
  gateway: GatewayRow;
  protocolVersion: string;
  clientName: string | null;
}): Promise<GatewaySession> {
  const agent = requireAgent(ctx);
  const id = newId("mcpSession");
  await db().$transaction(async (tx) => {
    // An agent keeps at most MAX_SESSIONS_PER_AGENT sessions with a gateway: a new one ends the least recently used.
    await tx.$executeRawUnsafe(
      `DELETE FROM mcp_sessions WHERE id IN (SELECT id FROM mcp_sessions WHERE gateway_id = $1 AND agent_id = $2 ORDER BY last_seen_at DESC, created_at DESC OFFSET $3)`,
      gateway.id,
      agent.agentId,
      MAX_SESSIONS_PER_AGENT - 1,
    );
    await tx.mcpSession.create({ data: { id, orgId: ctx.org.id, gatewayId: gateway.id, agentId: agent.agentId, protocolVersion, clientName: clientName?.slice(0, 200) ?? null } });
    await appendAuditEntry(tx, ctx.org.id, {
      type: "mcp.connected",
      actor: actorRef(ctx.actor),
      subjectId: id,
      data: { sessionId: id, gatewayId: gateway.id, gateway: gateway.name, protocolVersion },
    });
  }, TX_OPTIONS);
  return { id, gatewayId: gateway.id, protocolVersion, upstream: {} };
}

/** The agent's own session with this gateway (by its name: read beside the gateway); null when there is none (ended, another agent's, another gateway's). */
export async function findGatewaySession(ctx: Ctx, gatewayName: string, sessionId: string): Promise<GatewaySession | null> {
  const agent = requireAgent(ctx);
  const row = await db().mcpSession.findFirst({ where: { id: sessionId, orgId: ctx.org.id, agentId: agent.agentId, gateway: { name: gatewayName, orgId: ctx.org.id } } });
  if (!row) return null;
  return { id: row.id, gatewayId: row.gatewayId, protocolVersion: row.protocolVersion, upstream: (row.upstream ?? {}) as unknown as Record<string, UpstreamSession> };
}

/** Ends the session (its client sent DELETE), with its `mcp.disconnected` entry. */
export async function closeGatewaySession(ctx: Ctx, gateway: GatewayRow, session: GatewaySession): Promise<void> {
  await db().$transaction(async (tx) => {
    const { count } = await tx.mcpSession.deleteMany({ where: { id: session.id, orgId: ctx.org.id } });
    if (count === 0) return;
    await appendAuditEntry(tx, ctx.org.id, {
      type: "mcp.disconnected",
      actor: actorRef(ctx.actor),
      subjectId: session.id,
      data: { sessionId: session.id, gatewayId: gateway.id, gateway: gateway.name, reason: "client_closed" },
    });
  }, TX_OPTIONS);
}

const lastErrorEntry = new Map<string, number>();

/** A failure in Gatehouse's words: a JSON-RPC error by its code only (its message is the server's text, which may hold anything), a refused list by its reason. */
function failureText(error: UpstreamFailure | UpstreamError | ToolListRefused): string {
  if (error instanceof UpstreamError) return `answered error ${error.code}`;
  if (error instanceof ToolListRefused) return error.reason === "duplicate_name" ? "listed a tool name more than once" : "listed a tool without a name";
  return error.message;
}

/** An upstream's failure in the log (observation: its own failure is swallowed), at most once a minute per gateway, server and method. */
async function recordUpstreamError(ctx: Ctx, gateway: GatewayRow, server: GatewayServer, method: "initialize" | "tools/list" | "tools/call", error: string): Promise<void> {
  const key = `${gateway.id}\u0000${server.id}\u0000${method}`;
  const now = Date.now();
  if ((lastErrorEntry.get(key) ?? 0) > now - ERROR_ENTRY_EVERY_MS) return;
  lastErrorEntry.set(key, now);
  if (lastErrorEntry.size > 10_000) lastErrorEntry.clear();
  try {
    await db().$transaction(
      (tx) =>
        appendAuditEntry(tx, ctx.org.id, {
          type: "mcp.error",
          actor: actorRef(ctx.actor),
          subjectId: server.id,
          data: { gatewayId: gateway.id, gateway: gateway.name, serverId: server.id, server: server.name, method, error: error.slice(0, 500) },
        }),
      TX_OPTIONS,
    );
  } catch {
    // Observation fails open: the client already has its answer.
  }
}

async function upstreamOf(ctx: Ctx, server: GatewayServer): Promise<Upstream> {
  return { url: server.url, credential: server.credentialEnc === null ? null : await openOrgSecret(MCP_CREDENTIAL_PURPOSE, server.id, ctx.org.id, server.credentialEnc) };
}

/**
 * Runs `work` on the session's upstream session with `server`, opening one (and storing it with the session, for any
 * instance) when there is none, and once more when the server says it forgot it.
 */
async function onUpstream<T>(
  ctx: Ctx,
  gateway: GatewayRow,
  session: GatewaySession,
  server: GatewayServer,
  signal: AbortSignal | undefined,
  work: (upstream: Upstream, upstreamSession: UpstreamSession) => Promise<T>,
): Promise<T> {
  const upstream = await upstreamOf(ctx, server);
  const open = async (): Promise<UpstreamSession> => {
    let opened: UpstreamSession;
    try {
      opened = await openUpstreamSession(upstream, { ...(signal ? { signal } : {}) });
    } catch (error) {
      if (error instanceof UpstreamFailure || error instanceof UpstreamError) await recordUpstreamError(ctx, gateway, server, "initialize", failureText(error));
      throw error;
    }
    session.upstream[server.id] = opened;
    await db().$executeRawUnsafe(
      `UPDATE mcp_sessions SET upstream = upstream || jsonb_build_object($2::text, $3::jsonb), last_seen_at = now() WHERE id = $1`,
      session.id,
      server.id,
      JSON.stringify(opened),
    );
    return opened;
  };
  const known = session.upstream[server.id];
  try {
    return await work(upstream, known ?? (await open()));
  } catch (error) {
    if (known === undefined || !(error instanceof UpstreamFailure) || !error.sessionGone) throw error;
    return work(upstream, await open());
  }
}

/**
 * The tools a gateway may offer of what a server listed: a name by MCP's rule, a definition of JSON PostgreSQL can
 * store, at most MAX_JSON_DEPTH deep and MAX_JSON_NODES values (no NUL, no unpaired surrogate), and an action type no
 * other tool of the server shares (`readFile` and `read_file` are both `mcp.<server>.read_file`: a policy or an approval
 * for one must not cover the other, so neither is offered). Answers what is kept and how many were not.
 */
export function offerable(server: string, tools: readonly ListedTool[]): { kept: ListedTool[]; dropped: number } {
  const named = tools.filter(
    (tool) => typeof tool.name === "string" && TOOL_NAME.test(tool.name) && inspectInput(tool, { maxDepth: MAX_JSON_DEPTH, maxNodes: MAX_JSON_NODES, jsonOnly: true }) === null,
  );
  const typed = named.map((tool) => ({ tool, type: mcpActionType(server, tool.name) }));
  const byType = new Map<string, number>();
  for (const { type } of typed) byType.set(type, (byType.get(type) ?? 0) + 1);
  const kept = typed.filter(({ type }) => byType.get(type) === 1).map(({ tool }) => tool);
  return { kept, dropped: tools.length - kept.length };
}

/** Every tool the server lists, page by page (at most MAX_LIST_PAGES pages and MAX_TOOLS_PER_SERVER tools). */
async function listServerTools(upstream: Upstream, upstreamSession: UpstreamSession, signal: AbortSignal | undefined): Promise<ListedTool[]> {
  const tools: ListedTool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const result = (await upstreamRequest(upstream, upstreamSession, "tools/list", cursor === undefined ? {} : { cursor }, {
      timeoutMs: UPSTREAM_LIST_TIMEOUT_MS,
      ...(signal ? { signal } : {}),
    })) as { tools?: unknown; nextCursor?: unknown } | undefined;
    if (!Array.isArray(result?.tools)) throw new UpstreamFailure("answered tools/list without a list of tools");
    for (const tool of result.tools) {
      if (typeof tool !== "object" || tool === null || Array.isArray(tool)) throw new UpstreamFailure("listed a tool that is not an object");
      if (tools.length < MAX_TOOLS_PER_SERVER) tools.push(tool as ListedTool);
    }
    if (typeof result.nextCursor !== "string" || result.nextCursor === "") break;
    cursor = result.nextCursor;
  }
  return tools;
}

function definitionFindings(tools: readonly PinnedTool[]): Array<{ tool: string; path: string; class: string; detector: string }> {
  return tools.flatMap((tool) =>
    screenToolDefinition(tool).map((finding: LocalFinding) => ({ tool: tool.name, path: finding.path, class: finding.class, detector: finding.detector })),
  );
}

/**
 * Reconciles what the server lists with its pins, under the server's row lock (concurrent lists of one server agree):
 * the first list pins every tool (`mcp.catalog_pinned`); a later one holds each tool whose definition changed, and each
 * tool added since, as pending (`mcp.catalog_changed`, once per new difference). Answers the tools that may be offered:
 * the pinned ones whose definition is still the pinned one.
 */
async function reconcileCatalog(ctx: Ctx, server: GatewayServer, seen: PinnedCatalog): Promise<PinnedTool[]> {
  return db().$transaction(async (tx) => {
    const locked = await tx.$queryRawUnsafe<Array<{ catalog_digest: string | null }>>(
      `SELECT catalog_digest FROM mcp_servers WHERE id = $1 AND org_id = $2 FOR UPDATE`,
      server.id,
      ctx.org.id,
    );
    if (locked.length === 0) return [];
    const rows = await tx.mcpToolPin.findMany({ where: { serverId: server.id } });
    if (locked[0]!.catalog_digest === null && rows.length === 0) {
      await tx.mcpToolPin.createMany({
        data: seen.tools.map((tool) => ({
          serverId: server.id,
          tool: tool.name,
          orgId: ctx.org.id,
          digest: tool.digest,
          definition: tool.definition as object,
          pendingFields: [],
        })),
      });
      await tx.mcpServer.update({ where: { id: server.id }, data: { catalogDigest: seen.digest, catalogPinnedAt: new Date() } });
      await appendAuditEntry(tx, ctx.org.id, {
        type: "mcp.catalog_pinned",
        actor: actorRef(ctx.actor),
        subjectId: server.id,
        data: {
          serverId: server.id,
          server: server.name,
          catalogDigest: seen.digest,
          tools: seen.tools.map(({ name, digest }) => ({ name, digest })),
          findings: definitionFindings(seen.tools),
        },
      });
      return seen.tools;
    }
    // What an admin accepted: every pin but those added since the first list and not accepted yet.
    const accepted = rows.filter((row) => !row.pendingFields.includes("added"));
    const pinned: PinnedCatalog = {
      tools: accepted.map((row) => ({ name: row.tool, digest: row.digest, definition: row.definition as PinnedTool["definition"] })),
      digest: locked[0]!.catalog_digest ?? "",
    };
    const byName = new Map(rows.map((row) => [row.tool, row]));
    const difference = compareCatalogs(pinned, seen);
    const newlyChanged = difference.changed.filter((change) => byName.get(change.name)?.pendingDigest !== change.after.digest);
    const newlyAdded = difference.added.filter((tool) => byName.get(tool.name)?.pendingDigest !== tool.digest);
    const now = new Date();
    for (const change of newlyChanged) {
      await tx.mcpToolPin.update({
        where: { serverId_tool: { serverId: server.id, tool: change.name } },
        data: { pendingDigest: change.after.digest, pendingDefinition: change.after.definition as object, pendingFields: change.fields, changedAt: now },
      });
    }
    for (const tool of newlyAdded) {
      const pending = {
        digest: tool.digest,
        definition: tool.definition as object,
        pendingDigest: tool.digest,
        pendingDefinition: tool.definition as object,
        pendingFields: ["added"],
        changedAt: now,
      };
      await tx.mcpToolPin.upsert({
        where: { serverId_tool: { serverId: server.id, tool: tool.name } },
        create: { serverId: server.id, tool: tool.name, orgId: ctx.org.id, ...pending },
        update: pending,
      });
    }
    // A tool back at its pinned definition is offered again: its pending change is dropped.
    const reverted = difference.unchanged.filter((name) => byName.get(name)?.pendingDigest != null);
    if (reverted.length > 0) {
      await tx.mcpToolPin.updateMany({
        where: { serverId: server.id, tool: { in: reverted } },
        data: { pendingDigest: null, pendingDefinition: undefined, pendingFields: [], changedAt: null },
      });
    }
    if (newlyChanged.length > 0 || newlyAdded.length > 0) {
      await appendAuditEntry(tx, ctx.org.id, {
        type: "mcp.catalog_changed",
        actor: actorRef(ctx.actor),
        subjectId: server.id,
        data: {
          serverId: server.id,
          server: server.name,
          pinnedDigest: pinned.digest,
          seenDigest: seen.digest,
          changed: newlyChanged.map((change) => ({ name: change.name, fields: change.fields, digest: change.after.digest })),
          added: newlyAdded.map(({ name, digest }) => ({ name, digest })),
          removed: difference.removed.map((tool) => tool.name),
          findings: definitionFindings([...newlyChanged.map((change) => change.after), ...newlyAdded]),
        },
      });
    }
    const unchanged = new Set(difference.unchanged);
    return seen.tools.filter((tool) => unchanged.has(tool.name));
  }, TX_OPTIONS);
}

/** A pinned tool as a gateway offers it: its namespaced name and its pinned definition. */
function offered(server: string, tool: PinnedTool): Record<string, unknown> {
  return { name: gatewayToolName(server, tool.name), ...tool.definition, inputSchema: tool.definition.inputSchema ?? { type: "object" } };
}

/**
 * `tools/list` at a gateway: each server's tools as pinned, namespaced `<server>__<tool>`. A server that cannot be
 * reached, or lists what cannot be pinned (a name twice), is left out (and recorded as `mcp.error`); the others answer.
 */
export async function listGatewayTools(ctx: Ctx, gateway: GatewayRow, session: GatewaySession, signal?: AbortSignal): Promise<{ tools: Array<Record<string, unknown>> }> {
  const lists = await Promise.all(
    gateway.servers.map(async (server) => {
      try {
        const listed = await onUpstream(ctx, gateway, session, server, signal, (upstream, upstreamSession) => listServerTools(upstream, upstreamSession, signal));
        const { kept, dropped } = offerable(server.name, listed);
        if (dropped > 0) {
          await recordUpstreamError(
            ctx,
            gateway,
            server,
            "tools/list",
            `listed ${dropped} tool(s) the gateway does not offer: a name outside [A-Za-z0-9_.-/] (128 at most), a definition with text PostgreSQL cannot store or nested too deep, or two names that are one action type`,
          );
        }
        const tools = await reconcileCatalog(ctx, server, pinCatalog(kept));
        return tools.map((tool) => offered(server.name, tool));
      } catch (error) {
        if (error instanceof ToolListRefused || error instanceof UpstreamFailure || error instanceof UpstreamError) {
          if (!(error instanceof UpstreamFailure && error.message.startsWith("cancelled"))) await recordUpstreamError(ctx, gateway, server, "tools/list", failureText(error));
          return [];
        }
        throw error;
      }
    }),
  );
  return { tools: lists.flat() };
}

function textResult(text: string, decision?: ActionResult): Record<string, unknown> {
  return { content: [{ type: "text", text }], isError: true, ...(decision ? { _meta: { [DECISION_META]: decisionMeta(decision) } } : {}) };
}

function decisionMeta(decision: ActionResult): Record<string, unknown> {
  return {
    status: decision.status,
    auditEventId: decision.auditEventId,
    ...(decision.approvalId === undefined ? {} : { approvalId: decision.approvalId }),
    ...(decision.denialReason === undefined ? {} : { denialReason: decision.denialReason }),
  };
}

async function report(ctx: Ctx, decision: ActionResult, status: "success" | "failure", message?: string, screened: LocalFinding[] = []): Promise<void> {
  try {
    await reportOutcome({
      ctx,
      input: {
        auditEventId: decision.auditEventId,
        body: { status, ...(message ? { message: message.slice(0, 2_000) } : {}), ...(screened.length > 0 ? { screened: screened.slice(0, 100) } : {}) },
      },
    });
  } catch {
    // Observation: the outcome's entry is the log's, the call's answer is the client's; a failed report does not change it.
  }
}

/** Waits for a person on a held call, telling the client every wait; answers the decision as the approval ended it. */
async function untilDecided(ctx: Ctx, decision: ActionResult, progress: Progress | undefined, signal: AbortSignal | undefined): Promise<ActionResult | { ended: string }> {
  const approvalId = decision.approvalId!;
  const where = decision.approvalUrl ? `: ${decision.approvalUrl}` : "";
  for (;;) {
    progress?.(`Waiting for a person to approve ${approvalId}${where}`);
    const view = await waitForApproval({ ctx, input: { approvalId, timeoutMs: MAX_WAIT_MS, ...(signal ? { signal } : {}) } });
    if (view.status === "approved") return view.result;
    if (view.status !== "pending") return { ended: `Approval ${approvalId} was ${view.status}${view.decisionReason ? `: ${view.decisionReason}` : ""}. The call was not run.` };
    if (signal?.aborted) return { ended: `The client went away while approval ${approvalId} was pending; the call was not run.` };
  }
}

/** Whether the server is still in the gateway at the same URL with the same credential, and the tool still pinned as it was. */
async function stillAsDecided(ctx: Ctx, gateway: GatewayRow, server: GatewayServer, tool: string, digest: string): Promise<boolean> {
  const [current, pin] = await Promise.all([loadGateway(ctx, { id: gateway.id }), db().mcpToolPin.findUnique({ where: { serverId_tool: { serverId: server.id, tool } } })]);
  const now = current?.servers.find((s) => s.id === server.id);
  return now !== undefined && now.url === server.url && now.credentialEnc === server.credentialEnc && pin !== null && pin.digest === digest && pin.pendingDigest === null;
}

/**
 * `tools/call` at a gateway: the tool must be one of the gateway's servers' pinned tools, unchanged; the call is decided as
 * `mcp.<server>.<tool>` with its arguments (bound to their digest); a held call waits for a person (progress told to the
 * client); only an allowed or approved call is forwarded, and what the server answers is screened before the client's
 * model reads it. Its outcome is reported against the decision.
 */
export async function callGatewayTool(
  ctx: Ctx,
  gateway: GatewayRow,
  session: GatewaySession,
  params: Record<string, unknown>,
  options: { signal?: AbortSignal; progress?: Progress } = {},
): Promise<Record<string, unknown>> {
  const { name } = params;
  const args = params.arguments ?? {};
  if (typeof name !== "string") throw new McpRpcError(JSON_RPC_ERRORS.invalidParams, "params.name must be the tool's name");
  if (typeof args !== "object" || args === null || Array.isArray(args)) throw new McpRpcError(JSON_RPC_ERRORS.invalidParams, "params.arguments must be an object");
  const split = splitGatewayToolName(name);
  const server = split ? gateway.servers.find((s) => s.name === split.server) : undefined;
  if (!split || !server) throw new McpRpcError(JSON_RPC_ERRORS.invalidParams, `Unknown tool: ${name.slice(0, 200)}`);
  const pin = await db().mcpToolPin.findUnique({ where: { serverId_tool: { serverId: server.id, tool: split.tool } } });
  if (!pin) throw new McpRpcError(JSON_RPC_ERRORS.invalidParams, `Unknown tool: ${name.slice(0, 200)} (list the tools first)`);
  if (pin.pendingDigest !== null) {
    throw new McpRpcError(
      JSON_RPC_ERRORS.invalidParams,
      `${name.slice(0, 200)} is held: its definition changed since it was pinned (or it is new), and an admin has not accepted it yet`,
    );
  }
  const definition = pin.definition as PinnedTool["definition"];
  let decision = await decideAction({
    ctx,
    input: {
      actionType: mcpActionType(server.name, split.tool),
      metadata: { arguments: args, annotations: definition.annotations ?? {} },
      tool: { name, arguments: args },
      screened: [],
    },
  });
  const waited = decision.status === "requested";
  if (waited) {
    const decided = await untilDecided(ctx, decision, options.progress, options.signal);
    if ("ended" in decided) return textResult(decided.ended, decision);
    decision = decided;
  }
  if (decision.status !== "executed") return textResult(decision.message, decision);
  if ((decision.rewritten?.changes.length ?? 0) > 0) {
    const refusal = `A policy rewrites this call's arguments, and the gateway does not run rewritten calls yet: ${name.slice(0, 200)} was not run.`;
    await report(ctx, decision, "failure", refusal);
    return textResult(refusal, decision);
  }
  // What is forwarded is what was decided, as it stands now: a held call may be approved long after it was asked, and
  // meanwhile an admin may have taken the server out of the gateway, moved it, or the tool's definition may have changed.
  // (A call decided at once runs on what was read a few milliseconds before, like every request of the API.)
  if (waited && !(await stillAsDecided(ctx, gateway, server, split.tool, pin.digest))) {
    const refusal = `${name.slice(0, 200)} was not run: its server or its definition changed while the call was decided.`;
    await report(ctx, decision, "failure", refusal);
    return textResult(refusal, decision);
  }
  let answer: Record<string, unknown>;
  try {
    answer = (await onUpstream(ctx, gateway, session, server, options.signal, (upstream, upstreamSession) =>
      upstreamRequest(
        upstream,
        upstreamSession,
        "tools/call",
        { name: split.tool, arguments: args },
        { timeoutMs: upstreamCallTimeoutMs(), ...(options.signal ? { signal: options.signal } : {}) },
      ),
    )) as Record<string, unknown>;
    if (typeof answer !== "object" || answer === null || !Array.isArray(answer.content)) throw new UpstreamFailure("answered tools/call without content");
  } catch (error) {
    if (!(error instanceof UpstreamFailure || error instanceof UpstreamError)) throw error;
    const said = error instanceof UpstreamError ? `answered error ${error.code}` : error.message;
    if (error instanceof UpstreamFailure) await recordUpstreamError(ctx, gateway, server, "tools/call", said);
    await report(ctx, decision, "failure", `the server ${said}`);
    return textResult(`The MCP server '${server.name}' failed (it ${said}): ${split.tool.slice(0, 200)} may not have run.`, decision);
  }
  // Only what a tool result is reaches the client (content, structuredContent, isError), never the server's other keys
  // or its `_meta`; it must be JSON the screen can walk, and is screened before the client's model reads it
  // (docs/guardrails.md, What the model reads).
  const result = { content: answer.content, ...(answer.structuredContent === undefined ? {} : { structuredContent: answer.structuredContent }) };
  if (inspectInput(result, { maxDepth: MAX_JSON_DEPTH, maxNodes: MAX_JSON_NODES, jsonOnly: true }) !== null) {
    await report(ctx, decision, "failure", "the server answered content the gateway cannot screen (too deep, too many values, or text that is not valid)");
    return textResult(`The MCP server '${server.name}' answered content the gateway cannot screen, so it is not shown.`, decision);
  }
  const content = decision.content ?? TOOL_RESULT_DEFAULTS;
  const actions = { secrets: content.secrets, personalData: content.personalData } as Parameters<typeof screenToolResult>[1];
  const screened = screenToolResult(result, actions, () => randomBytes(4).toString("hex"));
  // The outcome is recorded beside the answer, not before it: observation, which the client does not wait for.
  void report(ctx, decision, answer.isError === true ? "failure" : "success", answer.isError === true ? "the tool answered an error" : undefined, screened.found);
  if (screened.withheld) return textResult(String(screened.value), decision);
  const shown = screened.value as { content: unknown; structuredContent?: unknown };
  return {
    content: shown.content,
    ...(shown.structuredContent === undefined ? {} : { structuredContent: shown.structuredContent }),
    ...(answer.isError === true ? { isError: true } : {}),
    _meta: { [DECISION_META]: decisionMeta(decision) },
  };
}

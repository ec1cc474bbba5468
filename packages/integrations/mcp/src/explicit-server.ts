/**
 * `gatehouse mcp-server`: Gatehouse itself as an MCP server, for agents that ask before they act
 * rather than sit behind the proxy. Four tools on the agent's key:
 *
 * - `can_i`: what Gatehouse would decide now (records nothing);
 * - `request_approval`: asks for a decision, recorded (allowed at once, denied, or held for a person);
 * - `await_approval`: waits for a held action's decision (a reviewer's denial comes with their reason);
 * - `report_outcome`: reports how an allowed or approved action went.
 *
 * The agent does the action itself, so the binding of an approval to arguments is the agent's to
 * check: `await_approval` takes the tool call it is about to make and refuses an approval made on
 * other arguments.
 */
import { APIUserAbortError, ApprovalTimeoutError, argsDigest, DeniedError, rewrittenArguments, type ActionResult, type Gatehouse, type ToolCall } from "@gatehouse/sdk";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult, type Tool } from "@modelcontextprotocol/sdk/types.js";
import { approvalUrlOf, decisionMeta } from "./answers.ts";
import { SERVER_INTEGRATION, VERSION } from "./version.ts";

/** Options of {@link createGatehouseMcpServer}. */
export interface GatehouseMcpServerOptions {
  /** A client on the agent's key (`gh_…`); the server names itself on it as `mcp-server/<version>`. */
  gatehouse: Gatehouse;
  /** The longest `await_approval` waits in one call, in seconds (keep it under the client's request timeout). Default: 50. */
  waitSeconds?: number;
}

const DEFAULT_WAIT_SECONDS = 50;
const APPROVAL_ID = /^apr_[0-9A-Za-z]{22}$/;
const AUDIT_EVENT_ID = /^aud_[0-9A-Za-z]{22}$/;

const toolSchema = {
  type: "object",
  description: "The tool call the action is, when it is one: the decision and its approval are bound to these exact arguments.",
  properties: { name: { type: "string" }, arguments: { description: "The call's arguments, any JSON." } },
  required: ["name"],
} as const;

const TOOLS: Tool[] = [
  {
    name: "can_i",
    title: "Ask Gatehouse what it would decide",
    description: "Asks Gatehouse whether an action would be allowed now, denied, or held for a person's approval. Records nothing; the answer can change before you act.",
    inputSchema: {
      type: "object",
      properties: {
        actionType: { type: "string", description: "What you are about to do, e.g. deploy.prod or tool.send_email." },
        metadata: { type: "object", description: "Facts about the action the policies test (metadata.*)." },
        tool: toolSchema,
      },
      required: ["actionType"],
      additionalProperties: false,
    },
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
  {
    name: "request_approval",
    title: "Ask Gatehouse for a decision",
    description:
      "Asks Gatehouse to decide on an action and records the decision: allowed (go ahead, then report_outcome), denied (do not do it), or held until a person approves (then call await_approval with the approvalId). Pass the same requestId to ask again about the same action without a second request.",
    inputSchema: {
      type: "object",
      properties: {
        actionType: { type: "string", description: "What you are about to do, e.g. deploy.prod." },
        metadata: { type: "object", description: "Facts about the action the policies test (metadata.*)." },
        tool: toolSchema,
        requestId: { type: "string", description: "Your own id for this request: asking again with it answers the same decision and the same approval." },
      },
      required: ["actionType"],
      additionalProperties: false,
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  },
  {
    name: "await_approval",
    title: "Wait for a person's decision",
    description:
      "Waits for a person to decide an action Gatehouse held for approval. Approved: go ahead, then report_outcome. Denied: do not do it (the reviewer's reason is given). Still pending: call again. Pass the tool call you are about to make to check the approval was granted for exactly it.",
    inputSchema: {
      type: "object",
      properties: {
        approvalId: { type: "string", description: "The approval request_approval answered (apr_…)." },
        waitSeconds: { type: "number", minimum: 0, description: "How long to wait, in seconds; at most the server's limit." },
        tool: toolSchema,
      },
      required: ["approvalId"],
      additionalProperties: false,
    },
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
  {
    name: "report_outcome",
    title: "Report how an action went",
    description: "Reports how an allowed or approved action went, against the auditEventId its decision answered. The first report wins.",
    inputSchema: {
      type: "object",
      properties: {
        auditEventId: { type: "string", description: "The decision's auditEventId (aud_…)." },
        status: { type: "string", enum: ["success", "failure", "partial"] },
        message: { type: "string", description: "What happened, in a sentence (at most 2,000 characters)." },
      },
      required: ["auditEventId", "status"],
      additionalProperties: false,
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  },
];

/** Gatehouse's decisions as an MCP server; connect it to a transport (`StdioServerTransport`). */
export function createGatehouseMcpServer(options: GatehouseMcpServerOptions): Server {
  const gatehouse = options.gatehouse.withIntegration(SERVER_INTEGRATION);
  const waitSeconds = options.waitSeconds ?? DEFAULT_WAIT_SECONDS;
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new RangeError("waitSeconds must be a number of seconds ≥ 0");
  const server = new Server(
    { name: "gatehouse", title: "Gatehouse", version: VERSION },
    {
      capabilities: { tools: {} },
      instructions:
        "Before an action with consequences, call request_approval. Go ahead only when it answers allowed (or await_approval answers approved), then report_outcome. A denial is final for that request: tell the user why.",
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: TOOLS }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const input = request.params.arguments ?? {};
    try {
      switch (request.params.name) {
        case "can_i":
          return await canI(gatehouse, input);
        case "request_approval":
          return await requestApproval(gatehouse, input);
        case "await_approval":
          return await awaitApproval(gatehouse, input, waitSeconds, extra.signal);
        case "report_outcome":
          return await reportOutcome(gatehouse, input);
        default:
          return usage(`Unknown tool ${request.params.name}: the tools are can_i, request_approval, await_approval and report_outcome.`);
      }
    } catch (error) {
      if (error instanceof APIUserAbortError) throw error;
      if (error instanceof UsageMistake) return usage(error.message);
      return usage(`Gatehouse could not answer: ${error instanceof Error ? error.message : String(error)}. Do not act on this; try again later.`);
    }
  });
  return server;
}

/** A mistake in a tool's input, said to the model. */
class UsageMistake extends Error {}

function usage(text: string): CallToolResult {
  return { content: [{ type: "text", text }], isError: true };
}

function answer(text: string, structured: Record<string, unknown>): CallToolResult {
  return { content: [{ type: "text", text }], structuredContent: structured };
}

function text(input: Record<string, unknown>, name: string, required: true): string;
function text(input: Record<string, unknown>, name: string, required: false): string | undefined;
function text(input: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const value = input[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== "string" || value === "") throw new UsageMistake(`${name} must be a non-empty string.`);
  return value;
}

function record(input: Record<string, unknown>, name: string): Record<string, unknown> | undefined {
  const value = input[name];
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new UsageMistake(`${name} must be an object.`);
  return value as Record<string, unknown>;
}

function toolOf(input: Record<string, unknown>): ToolCall | undefined {
  const tool = record(input, "tool");
  if (tool === undefined) return undefined;
  const name = text(tool, "name", true);
  return { name, arguments: tool["arguments"] ?? null };
}

/** The decision's fields a model needs, for `structuredContent`. */
function decisionOf(result: ActionResult): Record<string, unknown> {
  return { ...decisionMeta(result), message: result.message };
}

async function canI(gatehouse: Gatehouse, input: Record<string, unknown>): Promise<CallToolResult> {
  const metadata = record(input, "metadata");
  const tool = toolOf(input);
  const check = await gatehouse.canI(text(input, "actionType", true), { ...(metadata === undefined ? {} : { metadata }), ...(tool === undefined ? {} : { tool }) });
  const verdict = check.allowed ? "Would be allowed" : check.needsApproval ? "Would be held for a person's approval" : "Would be denied";
  return answer(`${verdict}. ${check.message} (Nothing was recorded: ask with request_approval before acting.)`, {
    allowed: check.allowed,
    needsApproval: check.needsApproval,
    status: check.status,
    ...(check.denialReason === undefined ? {} : { denialReason: check.denialReason }),
    ...(check.policyName === undefined ? {} : { policyName: check.policyName }),
    message: check.message,
  });
}

async function requestApproval(gatehouse: Gatehouse, input: Record<string, unknown>): Promise<CallToolResult> {
  const metadata = record(input, "metadata");
  const tool = toolOf(input);
  const requestId = text(input, "requestId", false);
  // The agent's own id, hashed into the eventId rule's characters: the same id answers the same decision.
  const eventId = requestId === undefined ? undefined : `mcp-server:${(await argsDigest(["mcp-server", requestId])).slice(0, 48)}`;
  const result = await gatehouse.execute(text(input, "actionType", true), {
    ...(metadata === undefined ? {} : { metadata }),
    ...(tool === undefined ? {} : { tool }),
    ...(eventId === undefined ? {} : { eventId }),
  });
  const url = approvalUrlOf(result);
  const said =
    result.status === "executed"
      ? `Allowed. ${result.message} Report it with report_outcome and auditEventId ${result.auditEventId}.`
      : result.status === "denied"
        ? `Denied. ${result.message}`
        : `Held for a person's approval (${result.approvalId}${url === undefined ? "" : `, decided at ${url}`}): do not act yet. Call await_approval with {"approvalId":"${result.approvalId}"} to wait for the decision.`;
  return answer(said, decisionOf(result));
}

async function awaitApproval(gatehouse: Gatehouse, input: Record<string, unknown>, maxSeconds: number, signal: AbortSignal): Promise<CallToolResult> {
  const approvalId = text(input, "approvalId", true);
  if (!APPROVAL_ID.test(approvalId)) throw new UsageMistake("approvalId must be the approval request_approval answered (apr_ and 22 letters or digits).");
  const seconds = input["waitSeconds"];
  if (seconds !== undefined && (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0)) throw new UsageMistake("waitSeconds must be a number of seconds ≥ 0.");
  const tool = toolOf(input);
  const deadline = Date.now() + Math.min(seconds ?? maxSeconds, maxSeconds) * 1000;
  let result: ActionResult;
  try {
    result = await gatehouse.waitForApproval(approvalId, { deadline, signal });
  } catch (error) {
    if (error instanceof ApprovalTimeoutError) {
      return answer(`Still waiting for a person to decide ${approvalId}: do not act yet. Call await_approval again to keep waiting.`, {
        status: "requested",
        approvalId,
        message: error.message,
      });
    }
    if (error instanceof DeniedError) {
      const reviewer =
        error.decisionReason === undefined ? "" : ` The reviewer${error.decidedBy === undefined ? "" : ` (${error.decidedBy})`} said: ${JSON.stringify(error.decisionReason)}.`;
      const message = `${error.result.message}${reviewer}`;
      return answer(`Denied. ${message}`, {
        status: "denied",
        approvalId,
        denialReason: error.reason,
        ...(error.decidedBy === undefined ? {} : { decidedBy: error.decidedBy }),
        ...(error.decisionReason === undefined ? {} : { decisionReason: error.decisionReason }),
        message,
      });
    }
    throw error;
  }
  if (tool !== undefined) {
    // Approved for these arguments, or for them as the policies rewrote them: then the call is made with those.
    let args: unknown;
    try {
      args = await rewrittenArguments(result, { name: tool.name, args: tool.arguments });
    } catch (error) {
      return usage(`${error instanceof Error ? error.message : String(error)}. Do not make this call on approval ${approvalId}: ask with request_approval for these arguments.`);
    }
    if ((result.rewritten?.changes.length ?? 0) > 0) {
      return answer(
        `Approved, with the policies' changes: make the call with exactly these arguments ${JSON.stringify(args)}, then report_outcome with auditEventId ${result.auditEventId}.`,
        {
          ...decisionOf(result),
          arguments: args,
        },
      );
    }
  }
  return answer(`Approved: go ahead, then report_outcome with auditEventId ${result.auditEventId}.`, decisionOf(result));
}

async function reportOutcome(gatehouse: Gatehouse, input: Record<string, unknown>): Promise<CallToolResult> {
  const auditEventId = text(input, "auditEventId", true);
  if (!AUDIT_EVENT_ID.test(auditEventId)) throw new UsageMistake("auditEventId must be the decision's auditEventId (aud_ and 22 letters or digits).");
  const status = input["status"];
  if (status !== "success" && status !== "failure" && status !== "partial") throw new UsageMistake("status must be success, failure or partial.");
  const message = text(input, "message", false);
  const outcome = await gatehouse.report(auditEventId, { status, ...(message === undefined ? {} : { message: message.slice(0, 2000) }) });
  return answer(`Recorded: ${outcome.status}.`, { auditEventId, status: outcome.status });
}

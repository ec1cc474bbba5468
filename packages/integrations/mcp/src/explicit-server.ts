/**
 * `gatehouse mcp-server`: Gatehouse itself as an MCP server, for agents that ask before they act
 * rather than sit behind the proxy. Four tools on the agent's key:
 *
 * - `can_i`: what Gatehouse would decide now (records nothing);
 * - `request_approval`: asks for a decision, recorded (allowed at once, denied, or held for a person);
 * - `await_approval`: waits for a held action's decision (a reviewer's denial comes with their reason);
 * - `report_outcome`: reports how an allowed or approved action went; given the action's `result`, it
 *   answers it screened (docs/guardrails.md, What the model reads) and records the findings on the outcome.
 *
 * The agent does the action itself, so the binding of an approval to arguments is the agent's to
 * check: `await_approval` takes the tool call it is about to make and refuses an approval made on
 * other arguments.
 */
import { APIUserAbortError, ApprovalTimeoutError, argsDigest, DeniedError, rewrittenArguments, type ActionResult, type Gatehouse, type ToolCall } from "@gatehouse/sdk";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult, type Tool } from "@modelcontextprotocol/sdk/types.js";
import { screenToolOutputFor } from "@gatehouse/sdk/model-call";
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
    description:
      "Reports how an allowed or approved action went, against the auditEventId its decision answered. The first report wins. When the action returned a result you have not read yet (a tool's output, a file, a page), pass it as result: the answer gives it back with the secrets and personal data the org's content rules keep from you redacted (or withheld), and records what was found (never the values). Read and use that screened result, not the original.",
    inputSchema: {
      type: "object",
      properties: {
        auditEventId: { type: "string", description: "The decision's auditEventId (aud_…)." },
        status: { type: "string", enum: ["success", "failure", "partial"] },
        message: { type: "string", description: "What happened, in a sentence (at most 2,000 characters)." },
        result: { description: "The action's result as you received it (text or any JSON), to have it screened before you read it: the answer holds it as you may read it." },
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
  const rules = new DecisionRules();
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
          return await requestApproval(gatehouse, input, rules);
        case "await_approval":
          return await awaitApproval(gatehouse, input, waitSeconds, extra.signal, rules);
        case "report_outcome":
          return await reportOutcome(gatehouse, options.gatehouse, input, rules);
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

type ContentRules = NonNullable<ActionResult["content"]>;

/** What a result is screened by when this server did not see its decision's rules (another process made it): any finding withholds it. */
const UNKNOWN_RULES: ContentRules = { secrets: "deny", personalData: "deny" };
/** The most decisions whose content rules the server keeps for report_outcome's screen. */
const MAX_KEPT_RULES = 1000;

/** The content rules of the decisions this server answered, by auditEventId, for screening their results. */
class DecisionRules {
  readonly #rules = new Map<string, ContentRules>();

  keep(result: ActionResult): void {
    if (result.content === undefined) return;
    this.#rules.delete(result.auditEventId);
    this.#rules.set(result.auditEventId, result.content);
    if (this.#rules.size > MAX_KEPT_RULES) this.#rules.delete(this.#rules.keys().next().value as string);
  }

  of(auditEventId: string): ContentRules {
    return this.#rules.get(auditEventId) ?? UNKNOWN_RULES;
  }
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

async function requestApproval(gatehouse: Gatehouse, input: Record<string, unknown>, rules: DecisionRules): Promise<CallToolResult> {
  const metadata = record(input, "metadata");
  const tool = toolOf(input);
  const requestId = text(input, "requestId", false);
  // The agent's own id, hashed into the eventId rule's characters: the same id answers the same decision.
  const eventId = requestId === undefined ? undefined : `mcp-server:${(await argsDigest(["mcp-server", requestId])).slice(0, 48)}`;
  const result = await gatehouse.execute(text(input, "actionType", true), {
    ...(metadata === undefined ? {} : { metadata }),
    ...(tool === undefined ? {} : { tool }),
    ...(eventId === undefined ? {} : { eventId }),
    // Nothing found yet: asked so the answer says the content rules the action's result is screened by (report_outcome).
    screened: [],
  });
  rules.keep(result);
  const url = approvalUrlOf(result);
  const said =
    result.status === "executed"
      ? `Allowed. ${result.message} Report it with report_outcome and auditEventId ${result.auditEventId}.`
      : result.status === "denied"
        ? `Denied. ${result.message}`
        : `Held for a person's approval (${result.approvalId}${url === undefined ? "" : `, decided at ${url}`}): do not act yet. Call await_approval with {"approvalId":"${result.approvalId}"} to wait for the decision.`;
  return answer(said, decisionOf(result));
}

async function awaitApproval(gatehouse: Gatehouse, input: Record<string, unknown>, maxSeconds: number, signal: AbortSignal, rules: DecisionRules): Promise<CallToolResult> {
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
  rules.keep(result);
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

async function reportOutcome(gatehouse: Gatehouse, given: Gatehouse, input: Record<string, unknown>, rules: DecisionRules): Promise<CallToolResult> {
  const auditEventId = text(input, "auditEventId", true);
  if (!AUDIT_EVENT_ID.test(auditEventId)) throw new UsageMistake("auditEventId must be the decision's auditEventId (aud_ and 22 letters or digits).");
  const status = input["status"];
  if (status !== "success" && status !== "failure" && status !== "partial") throw new UsageMistake("status must be success, failure or partial.");
  const message = text(input, "message", false);
  // The result is screened by the decision's content rules, with the built-in table and the org's own detectors (docs/guardrails.md).
  const seen = "result" in input ? await screenToolOutputFor(given, input["result"], { content: rules.of(auditEventId) }, SERVER_INTEGRATION) : undefined;
  const screened = seen?.screened.slice(0, 100) ?? [];
  const outcome = await gatehouse.report(auditEventId, {
    status,
    ...(message === undefined ? {} : { message: message.slice(0, 2000) }),
    ...(screened.length > 0 ? { screened } : {}),
  });
  if (seen === undefined) return answer(`Recorded: ${outcome.status}.`, { auditEventId, status: outcome.status });
  const found = [...new Set(seen.screened.filter((f) => f.class !== "instructions").map((f) => f.detector))];
  const said = seen.withheld
    ? `Recorded: ${outcome.status}. The result was withheld: it holds a secret or personal data the org's content rules keep from you (${found.join(", ")}). Do not look for it another way.`
    : found.length > 0
      ? `Recorded: ${outcome.status}. The result, screened (${found.join(", ")} redacted): read and use this one, not the original.`
      : `Recorded: ${outcome.status}. The result, screened (nothing to redact).`;
  return answer(said, {
    auditEventId,
    status: outcome.status,
    result: seen.output,
    withheld: seen.withheld,
    found: seen.screened.map(({ detector, class: kind, path }) => ({ detector, class: kind, path })),
  });
}

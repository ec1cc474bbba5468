import { screenToolOutputFor } from "@gatehouse/sdk/model-call";
import { describeToolCall, GatehouseError, rewrittenArguments, type ActionResult, type DescribedToolCall, type Gatehouse, type ReportOptions } from "@gatehouse/sdk";
import { createMiddleware, ToolMessage, type AgentMiddleware, type Decision, type WrapToolCallHook } from "langchain";
import { deniedMessage } from "./denial.ts";
import type { GatehouseInterrupt } from "./interrupt.ts";
import { INTEGRATION } from "./version.ts";

/** Options of {@link gatehouseMiddleware}. */
export interface GatehouseMiddlewareOptions {
  /** The agent's Gatehouse client; the middleware names itself on it (`langchain/<version>`). */
  gatehouse: Gatehouse;
  /** The action type of a call, or a function of the tool's name. Default: `tool.<name>` in snake_case. */
  actionType?: string | ((toolName: string) => string);
  /**
   * What policies test and the log keeps, from a call's arguments: return only what may be recorded
   * (leave secrets out). Default: `{ arguments: args }`. The approval is bound to the digest of the
   * full arguments either way.
   */
  metadata?: (args: unknown, toolName: string) => Record<string, unknown>;
  /**
   * Called when reporting a tool's outcome fails (the tool has run by then, and its result goes to
   * the model regardless). Default: a one-line `console.warn`.
   */
  onReportError?: (error: unknown, toolCall: ToolCall) => void;
}

type Request = Parameters<WrapToolCallHook>[0];
type Handler = Parameters<WrapToolCallHook>[1];
type Output = Awaited<ReturnType<WrapToolCallHook>>;
/** A tool call as the model made it (`id` is optional in LangChain's type). */
type ToolCall = Request["toolCall"];

/** Longest outcome message the API keeps. */
const MAX_OUTCOME_MESSAGE = 2000;

/**
 * An agent middleware that asks Gatehouse before every tool call (`createAgent({ middleware: [...] })`):
 *
 * - allowed: the tool runs, and its outcome (success, or failure with the error) is reported;
 * - denied: the model gets a tool message with the reason, and the tool does not run;
 * - held for approval: the run pauses with an `interrupt()` shaped as the built-in human-in-the-loop
 *   request (one action, decisions `approve` / `edit` / `reject`) plus the approval (`gatehouse`).
 *   Resume it with `new Command({ resume })`, the value from {@link gatehouseDecision} or
 *   {@link gatehouseResume}. `approve` runs the tool only if Gatehouse approved exactly these
 *   arguments; `reject` gives the model the message; `edit` is a new call, decided afresh.
 *
 * Pausing needs a checkpointer (`createAgent({ checkpointer })`) and a `thread_id`. A resumed or
 * restarted run asks again with the same idempotency key (the tool call's id and the digest of its
 * arguments), so it finds the same decision and the same approval.
 */
export function gatehouseMiddleware(options: GatehouseMiddlewareOptions): AgentMiddleware {
  const client = options.gatehouse.withIntegration(INTEGRATION);
  const onReportError = options.onReportError ?? warnReportFailed;

  const report = async (auditEventId: string, outcome: ReportOptions, toolCall: ToolCall): Promise<void> => {
    try {
      await client.report(auditEventId, outcome);
    } catch (error) {
      onReportError(error, toolCall);
    }
  };

  /**
   * Runs the tool and reports how it went against the decision that let it run. Its result is screened
   * before the model reads it (docs/guardrails.md, What the model reads), by the content rules the
   * decision answered; what was found is reported on the outcome.
   */
  const run = async (request: Request, handler: Handler, decided: ActionResult): Promise<Output> => {
    const { auditEventId } = decided;
    let output: Output;
    try {
      output = await handler(request);
    } catch (error) {
      // A pause raised inside the tool is no outcome: the tool runs again when the run resumes.
      if (!isBubbleUp(error)) await report(auditEventId, { status: "failure", message: clip(textOf(error)) }, request.toolCall);
      throw error;
    }
    if (ToolMessage.isInstance(output) && output.status === "error") {
      await report(auditEventId, { status: "failure", message: clip(output.text) }, request.toolCall);
      return output;
    }
    if (!ToolMessage.isInstance(output)) {
      await report(auditEventId, { status: "success" }, request.toolCall);
      return output;
    }
    const seen = await screenToolOutputFor(options.gatehouse, output.content, decided, INTEGRATION);
    await report(auditEventId, { status: "success", ...(seen.screened.length > 0 ? { screened: seen.screened.slice(0, 100) } : {}) }, request.toolCall);
    if (seen.output === output.content) return output;
    return new ToolMessage({
      content: seen.output as typeof output.content,
      tool_call_id: output.tool_call_id,
      ...(output.name === undefined ? {} : { name: output.name }),
      ...(output.status === undefined ? {} : { status: output.status }),
    });
  };

  /**
   * Runs the tool with the arguments the decision is bound to: the call's, or as its policies rewrote
   * them (docs/policies.md, Rewriting a call), checked against the decision's digest (`ARGS_MISMATCH`).
   */
  const runAsDecided = async (request: Request, handler: Handler, call: DescribedToolCall, decided: ActionResult): Promise<Output> => {
    const { toolCall } = request;
    const args = await rewrittenArguments(decided, { name: toolCall.name, args: toolCall.args, argsDigest: call.tool.argsDigest });
    const rewritten = (decided.rewritten?.changes.length ?? 0) > 0;
    return run(rewritten ? { ...request, toolCall: { ...toolCall, args: args as typeof toolCall.args } } : request, handler, decided);
  };

  const govern = async (request: Request, handler: Handler): Promise<Output> => {
    const { toolCall } = request;
    const call = await describeToolCall({
      name: toolCall.name,
      args: toolCall.args,
      ...(toolCall.id === undefined ? {} : { callId: toolCall.id }),
      ...(options.actionType === undefined ? {} : { actionType: options.actionType }),
      ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
    });
    // `screened: []`: nothing found yet, asked so the answer says the content rules the tool's result is held to.
    const result = await client.execute(call.actionType, {
      metadata: call.metadata,
      tool: call.tool,
      screened: [],
      ...(call.eventId === undefined ? {} : { eventId: call.eventId }),
    });
    if (result.approvalId === undefined) {
      return result.status === "executed" ? runAsDecided(request, handler, call, result) : refusal(toolCall, result.message);
    }
    return awaitDecision(request, handler, call, result, result.approvalId);
  };

  /**
   * Pauses on the approval until a resume it can take: `approve` once Gatehouse approved these
   * arguments, `reject`, or `edit`. A resume value comes from outside the agent, so an `approve`
   * is checked with Gatehouse: while the approval is pending the run pauses again (the interrupt
   * says why); once it was denied, expired or cancelled, the model is told so. A resume that is no
   * decision pauses again too: LangGraph keeps every resume value it handed out and hands it out
   * again on each re-run, so throwing on one would leave the thread stuck on it for good.
   */
  const awaitDecision = async (request: Request, handler: Handler, call: DescribedToolCall, result: ActionResult, approvalId: string): Promise<Output> => {
    const { toolCall } = request;
    let refused: string | undefined;
    for (;;) {
      const decision = decisionOf(pause(request, call, result, approvalId, refused));
      if (decision === undefined) {
        refused = `A resume was not a decision: resume with { decisions: [{ type: "approve" }] }, [{ type: "reject", message? }] or [{ type: "edit", editedAction: { name, args } }].`;
        continue;
      }
      switch (decision.type) {
        case "approve": {
          const approval = await client.approval(approvalId);
          if (approval.status === "approved") return runAsDecided(request, handler, call, approval.result);
          if (approval.status !== "pending") {
            const member = approval.decidedBy;
            return refusal(
              toolCall,
              deniedMessage(toolCall.name, {
                reason: approval.result.denialReason ?? approval.status,
                decidedBy: member === null ? undefined : member.email || member.name || member.id,
                decisionReason: approval.decisionReason ?? undefined,
              }),
            );
          }
          refused = `A resume approved this call, but Gatehouse has not approved ${approvalId} yet: the call waits for its decision.`;
          break;
        }
        case "reject":
          return refusal(toolCall, decision.message ?? `The call of '${toolCall.name}' was rejected: do not perform it.`);
        case "edit": {
          const { name, args } = decision.editedAction;
          // Another tool, or other arguments: a new call with its own digest, decided afresh.
          return govern({ ...request, toolCall: { ...toolCall, name, args }, tool: name === toolCall.name ? request.tool : undefined }, handler);
        }
      }
    }
  };

  return createMiddleware({ name: "GatehouseMiddleware", wrapToolCall: govern });
}

/**
 * Pauses the run on its approval: raises the interrupt the first time; once resumed, answers the
 * resume value. LangGraph runs the tool node again from the top on a resume (so the call was asked
 * again first, and found the same approval) and keeps each resume value it handed out: a later
 * pause in the same call is a new interrupt, answered by the next resume.
 */
function pause(request: Request, call: DescribedToolCall, result: ActionResult, approvalId: string, refused: string | undefined): unknown {
  const { toolCall, runtime } = request;
  if (runtime.interrupt === undefined) {
    throw new GatehouseError(`'${toolCall.name}' needs approval, and this run cannot pause: run the agent in LangGraph with a checkpointer and a thread_id`, {
      code: "CANNOT_PAUSE",
    });
  }
  const by = result.policyName === undefined ? "" : ` (policy '${result.policyName}')`;
  const approvalUrl = "approvalUrl" in result && typeof result.approvalUrl === "string" ? result.approvalUrl : undefined;
  const where = approvalUrl === undefined ? "" : `: ${approvalUrl}`;
  const value: GatehouseInterrupt = {
    actionRequests: [{ name: toolCall.name, args: toolCall.args, description: `Gatehouse holds '${toolCall.name}' for approval ${approvalId}${by}${where}` }],
    reviewConfigs: [{ actionName: toolCall.name, allowedDecisions: ["approve", "edit", "reject"] }],
    gatehouse: {
      approvalId,
      ...(approvalUrl === undefined ? {} : { approvalUrl }),
      argsDigest: call.tool.argsDigest,
      actionType: call.actionType,
      auditEventId: result.auditEventId,
      ...(result.timeoutAt === undefined ? {} : { timeoutAt: result.timeoutAt }),
      ...(refused === undefined ? {} : { refused }),
    },
  };
  return runtime.interrupt(value);
}

/** The one decision of a resume value (`{ decisions: [decision] }`, as `HITLResponse`), or undefined when it is none. */
function decisionOf(resume: unknown): Decision | undefined {
  const decisions = typeof resume === "object" && resume !== null && "decisions" in resume ? resume.decisions : undefined;
  const decision: unknown = Array.isArray(decisions) && decisions.length === 1 ? decisions[0] : undefined;
  if (typeof decision !== "object" || decision === null) return undefined;
  const { type, message, editedAction } = decision as Record<string, unknown>;
  if (type === "approve") return { type };
  if (type === "reject" && message === undefined) return { type };
  if (type === "reject" && typeof message === "string") return { type, message };
  if (type === "edit" && isAction(editedAction)) return { type, editedAction };
  return undefined;
}

function isAction(value: unknown): value is { name: string; args: Record<string, unknown> } {
  if (typeof value !== "object" || value === null || !("name" in value) || !("args" in value)) return false;
  return typeof value.name === "string" && typeof value.args === "object" && value.args !== null && !Array.isArray(value.args);
}

/** What the model reads instead of the tool's output. */
function refusal(toolCall: ToolCall, content: string): ToolMessage {
  return new ToolMessage({ content, tool_call_id: toolCall.id ?? "", name: toolCall.name, status: "error" });
}

/** LangGraph's control-flow throws (an interrupt, a jump to the parent graph) carry `is_bubble_up`. */
function isBubbleUp(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { is_bubble_up?: unknown }).is_bubble_up === true;
}

function textOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function clip(text: string): string {
  return text.length <= MAX_OUTCOME_MESSAGE ? text : `${text.slice(0, MAX_OUTCOME_MESSAGE - 1)}…`;
}

function warnReportFailed(error: unknown, toolCall: ToolCall): void {
  console.warn(`@gatehouse/langchain: the outcome of '${toolCall.name}' (${toolCall.id ?? "no id"}) was not reported to Gatehouse: ${textOf(error)}`);
}

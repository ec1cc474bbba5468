/**
 * How a tool call of the OpenAI Agents SDK becomes a Gatehouse action, and what Gatehouse says about
 * it now. The approval function, the guardrail, the governed tool and the resume helper all go
 * through here, so the four ask about one call with the same action, metadata and `eventId` (the
 * call id with the digest of its arguments): asking again answers the decision already made, and
 * never a second approval.
 */
import {
  DeniedError,
  GatehouseError,
  assertSameCall,
  describeToolCall,
  rewrittenArguments,
  type ActionResult,
  type DescribedToolCall,
  type Gatehouse,
  type ToolCallSpec,
} from "@gatehouse/sdk";
import { INTEGRATION } from "./version.ts";

/** What every part of this adapter is configured with. */
export interface GatehouseToolOptions {
  /** The agent's client (its agent key). The adapter names itself on it (`openai-agents/<version>`). */
  gatehouse: Gatehouse;
  /** The action type, or a function of the tool's name. Default: `tool.<name in snake_case>`. */
  actionType?: ToolCallSpec["actionType"];
  /**
   * What policies test and the audit log keeps, from the call's arguments: return only what may be
   * recorded (leave secrets out). Default: `{ arguments }`. The approval stays bound to the digest of
   * all the arguments either way.
   */
  metadata?: ToolCallSpec["metadata"];
}

/** A tool's settings as the adapter uses them: the client already named. */
export interface Governance {
  client: Gatehouse;
  actionType: ToolCallSpec["actionType"];
  metadata: ToolCallSpec["metadata"];
}

export function governance(options: GatehouseToolOptions): Governance {
  return { client: options.gatehouse.withIntegration(INTEGRATION), actionType: options.actionType, metadata: options.metadata };
}

/**
 * The approval functions this adapter made, with the settings they ask with: how
 * `resumeWhenDecided` tells a Gatehouse interruption from the app's own and asks about it the same
 * way after a restart (the agent and its tools rebuilt, the functions new).
 */
const governed = new WeakMap<object, Governance>();

export function register(needsApproval: object, settings: Governance): void {
  governed.set(needsApproval, settings);
}

/** The settings of the function tool `name` of `agent`, when its approval function is one of this adapter's. */
export function governanceOf(agent: { tools: readonly object[] }, name: string): Governance | undefined {
  for (const tool of agent.tools) {
    if (!("type" in tool) || tool.type !== "function" || !("name" in tool) || tool.name !== name || !("needsApproval" in tool)) continue;
    const settings = typeof tool.needsApproval === "function" ? governed.get(tool.needsApproval) : undefined;
    if (settings !== undefined) return settings;
  }
  return undefined;
}

/**
 * A function call's `arguments` as the value Gatehouse digests: the JSON the model wrote, parsed,
 * or the text itself when it is not JSON (the SDK can still ask for approval of such a call).
 */
export function callArguments(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function describeCall(settings: Governance, name: string, args: unknown, callId: string | undefined): Promise<DescribedToolCall> {
  return describeToolCall({ name, args, callId, actionType: settings.actionType, metadata: settings.metadata });
}

/** Asks Gatehouse about the call. With its `eventId`, asking again answers the first decision. */
export function ask(settings: Governance, call: DescribedToolCall): Promise<ActionResult> {
  // `screened: []`: nothing found yet, asked so the answer says the content rules the tool's result is held to.
  return settings.client.execute(call.actionType, { metadata: call.metadata, tool: call.tool, eventId: call.eventId, screened: [] });
}

/** Where a call stands with Gatehouse: allowed (by policy or by an approval of these arguments), refused, or still waiting for a person. */
export type Standing =
  { status: "allowed"; result: ActionResult } | { status: "denied"; result: ActionResult; message: string } | { status: "pending"; result: ActionResult; message: string };

/** How {@link standing} treats an approval nobody has decided yet. */
export interface StandingOptions {
  /** Wait for the decision until `deadline` (`ApprovalTimeoutError` then), or only read it as it stands. */
  wait: boolean;
  deadline?: Date | number;
  signal?: AbortSignal;
}

/**
 * Checks that a decision is bound to this call: its arguments as sent or, when the policies rewrote
 * them (`rewritten`), as the tool will run with them — which the invocation checks against the
 * arguments it holds ({@link argumentsToRun}).
 */
function assertBound(result: ActionResult, call: DescribedToolCall): void {
  if ((result.rewritten?.changes.length ?? 0) === 0) assertSameCall(result, call.tool);
}

/**
 * The arguments the tool runs with under `decision`: the call's, with the changes its policies made
 * (docs/policies.md, Rewriting a call), checked against the digest the decision is bound to
 * (`ARGS_MISMATCH` otherwise). `input` is the model's JSON text; the answer is that text, or the
 * rewritten arguments as JSON text.
 */
export async function argumentsToRun(decision: ActionResult, call: DescribedToolCall, input: string): Promise<string> {
  const args = await rewrittenArguments(decision, { name: call.tool.name, args: callArguments(input), argsDigest: call.tool.argsDigest });
  return (decision.rewritten?.changes.length ?? 0) === 0 ? input : JSON.stringify(args);
}

/**
 * Where `call` stands. An approval counts only for the arguments it was given for
 * (`assertSameCall`, else `ARGS_MISMATCH`; a rewritten call is checked when it runs).
 */
export async function standing(settings: Governance, call: DescribedToolCall, options: StandingOptions = { wait: false }): Promise<Standing> {
  const result = await ask(settings, call);
  if (result.status === "executed") {
    assertBound(result, call);
    return { status: "allowed", result };
  }
  // A denial by a reviewer (a repeated execute reads a settled approval as it stands) is read through its approval below, for the reviewer's reason.
  if (result.status === "denied" && result.approvalId === undefined) return { status: "denied", result, message: result.message };
  if (result.approvalId === undefined) throw new GatehouseError("Gatehouse answered requested without an approvalId", { code: "INVALID_RESPONSE" });
  const { wait, deadline, signal } = options;
  if (wait) {
    let approved: ActionResult;
    try {
      approved = await settings.client.waitForApproval(result.approvalId, { deadline, signal });
    } catch (error) {
      if (!(error instanceof DeniedError) || !("auditEventId" in error.result)) throw error;
      return { status: "denied", result: error.result, message: reviewed(error.result.message, error.decisionReason) };
    }
    assertBound(approved, call);
    return { status: "allowed", result: approved };
  }
  const approval = await settings.client.approval(result.approvalId, { signal });
  switch (approval.status) {
    case "approved":
      assertBound(approval.result, call);
      return { status: "allowed", result: approval.result };
    case "pending":
      return { status: "pending", result, message: result.message };
    default:
      return { status: "denied", result: approval.result, message: reviewed(approval.result.message, approval.decisionReason ?? undefined) };
  }
}

/** The decision's sentence, with the reviewer's own words when they gave a reason: what the model reads. */
function reviewed(message: string, reason: string | undefined): string {
  return reason === undefined || reason === "" ? message : `${message} The reviewer's reason: ${JSON.stringify(reason)}.`;
}

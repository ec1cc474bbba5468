/**
 * One tool call as one Gatehouse decision, the convention of `describeToolCall`: the idempotency key
 * is the AI SDK's `toolCallId` with the digest of the arguments, so every function of this package
 * (the approval function, the tool wrapper, the out-of-band helpers), in this process or in one
 * started after a restart, asks about the same call and gets the same decision and the same approval.
 */
import { DeniedError, GatehouseError, describeToolCall, rewrittenArguments, type ActionResult, type DescribedToolCall, type Gatehouse } from "@gatehouse/sdk";
import { INTEGRATION } from "./version.ts";

/** How tool calls become Gatehouse actions. Pass the same values to every function of this package. */
export interface GatehouseAiSdkOptions {
  /** The agent's client (`new Gatehouse({ apiKey })`); this package calls it as the `ai-sdk` integration. */
  gatehouse: Gatehouse;
  /** The action type, or a function of the tool's name. Default: `tool.<snake_case name>` (`deployApp` → `tool.deploy_app`). */
  actionType?: string | ((toolName: string) => string);
  /**
   * What policies test and the audit log keeps, from the tool's input: return only what may be
   * recorded (leave secrets out). Default: `{ arguments: input }`. The decision stays bound to the
   * digest of the whole input either way.
   */
  metadata?: (input: unknown, toolName: string) => Record<string, unknown>;
}

/** The fields of an AI SDK tool call this package reads. */
export interface ToolCallRef {
  toolCallId: string;
  toolName: string;
  input: unknown;
}

/** A decision as it stands now, with the reviewer's reason when a person denied it. */
export interface Decided {
  /** `executed` (go ahead), `requested` (its approval is pending) or `denied`. */
  result: ActionResult;
  /** The reason a reviewer gave for denying, when one did. */
  decisionReason?: string | undefined;
  /** For an executed decision: the input the tool runs with — the call's, with the changes its policies made (`result.rewritten`). */
  input?: unknown;
}

/** How long to wait for a reviewer when the decision is `requested`. */
export interface Wait {
  deadline?: Date | number | undefined;
  signal?: AbortSignal | undefined;
  /** Called with the `requested` decision before the wait starts. */
  onRequested?: ((result: ActionResult) => void) | undefined;
}

/** The client adapters call through: the caller's, naming this integration on every request. */
export function integrationClient(gatehouse: Gatehouse): Gatehouse {
  return gatehouse.withIntegration(INTEGRATION);
}

export function describeCall(options: GatehouseAiSdkOptions, call: ToolCallRef): Promise<DescribedToolCall> {
  return describeToolCall({
    name: call.toolName,
    args: call.input,
    callId: call.toolCallId,
    ...(options.actionType === undefined ? {} : { actionType: options.actionType }),
    ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
  });
}

/**
 * Asks Gatehouse about a call and settles the answer: a decision that went to a person is looked up
 * through its approval, which says whether a reviewer has decided since, and why. With `wait`, a pending approval is waited for (`onRequested` first); without,
 * it is answered as `requested`. An executed decision must be bound to this call's arguments, as they are or as its
 * policies rewrote them (the answer's `input` then holds the rewritten ones).
 */
export async function decide(client: Gatehouse, call: DescribedToolCall, wait: Wait | undefined, input: unknown): Promise<Decided> {
  const signal = wait?.signal;
  const first = await client.execute(call.actionType, {
    metadata: call.metadata,
    tool: call.tool,
    // Nothing found yet: asked so the answer says the content rules the tool's result is held to (`content`).
    screened: [],
    ...(call.eventId === undefined ? {} : { eventId: call.eventId }),
    ...(signal === undefined ? {} : { signal }),
  });
  // A decision with an approval (pending, or settled since: a repeated execute reads it as it stands) is read through it, for the reviewer's reason.
  const decided = first.approvalId !== undefined ? await settle(client, first, wait) : { result: first };
  // The tool runs with the arguments the decision is bound to: the call's own, or as its policies rewrote them (docs/policies.md, Rewriting a call).
  if (decided.result.status === "executed")
    return { ...decided, input: await rewrittenArguments(decided.result, { name: call.tool.name, args: input, argsDigest: call.tool.argsDigest }) };
  return decided;
}

async function settle(client: Gatehouse, requested: ActionResult, wait: Wait | undefined): Promise<Decided> {
  const approvalId = requested.approvalId;
  if (approvalId === undefined) throw new GatehouseError("Gatehouse answered requested without an approvalId", { code: "INVALID_RESPONSE" });
  const signal = wait?.signal === undefined ? {} : { signal: wait.signal };
  const approval = await client.approval(approvalId, signal);
  if (approval.status === "approved") return { result: approval.result };
  if (approval.status !== "pending") return { result: approval.result, decisionReason: approval.decisionReason ?? undefined };
  if (wait === undefined) return { result: requested };
  wait.onRequested?.(requested);
  try {
    return { result: await client.waitForApproval(approvalId, { ...signal, ...(wait.deadline === undefined ? {} : { deadline: wait.deadline }) }) };
  } catch (error) {
    if (error instanceof DeniedError && "auditEventId" in error.result) return { result: error.result, decisionReason: error.decisionReason };
    throw error;
  }
}

/** What the model reads when a call is denied: Gatehouse's sentence, and the reviewer's reason when a person denied it. */
export function denialText(decided: Decided): string {
  const said = decided.decisionReason === undefined || decided.decisionReason === "" ? "" : ` The reviewer said: ${JSON.stringify(decided.decisionReason)}.`;
  return `${decided.result.message}${said}`;
}

/** The Gatehouse approval an approved `tool-approval-response` names in its `reason` (approvalResponses writes it there). */
const NAMED_APPROVAL = /\bapr_[0-9A-Za-z]{22}\b/;

/** The `reason` of an approved response this package writes: it names the Gatehouse approval, which {@link verifyApproved} checks. */
export function approvedReason(approvalId: string): string {
  return `Approved in Gatehouse (${approvalId})`;
}

/**
 * Checks an approval that came back through the message history, which whoever sends the messages
 * controls: it must name a Gatehouse approval that is approved, was made on exactly this call's
 * arguments (`ARGS_MISMATCH` otherwise) and is this call's own (its call id's decision). Anything
 * else is refused with `APPROVAL_NOT_GRANTED` before the tool can run; nothing is asked of Gatehouse
 * that could open a new approval, except when an approval of another call with the same arguments is
 * replayed here, which asks about this call as any new call would.
 */
export async function verifyApproved(client: Gatehouse, options: GatehouseAiSdkOptions, call: ToolCallRef, reason: string | undefined): Promise<void> {
  const described = await describeCall(options, call);
  const named = NAMED_APPROVAL.exec(reason ?? "")?.[0];
  if (named === undefined) throw notGranted(call, "it names no Gatehouse approval");
  let approval;
  try {
    approval = await client.approval(named);
  } catch (error) {
    if (error instanceof GatehouseError && error.status === 404) throw notGranted(call, `this agent has no approval ${named}`);
    throw error;
  }
  if (approval.status !== "approved") throw notGranted(call, `approval ${named} is ${approval.status}`);
  await rewrittenArguments(approval.result, { name: described.tool.name, args: call.input, argsDigest: described.tool.argsDigest });
  const own = await client.execute(described.actionType, {
    metadata: described.metadata,
    tool: described.tool,
    ...(described.eventId === undefined ? {} : { eventId: described.eventId }),
  });
  if (own.approvalId !== named) throw notGranted(call, `approval ${named} was given to another call`);
}

function notGranted(call: ToolCallRef, why: string): GatehouseError {
  return new GatehouseError(`The approval of '${call.toolName}' (call ${call.toolCallId}) in the message history was not granted in Gatehouse: ${why}`, {
    code: "APPROVAL_NOT_GRANTED",
  });
}

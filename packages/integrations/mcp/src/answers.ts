/**
 * What the proxy answers a tools/call with when it does not (or not yet) run the call: a tool result
 * with `isError: true` and one text a model reads to decide its next step, and the decision in
 * `_meta["gatehouse/decision"]` for clients that show it (a link to the approval, say). An error
 * result is used even for "waiting": the call did not happen, and a tool with an output schema
 * would fail the client's validation with anything else.
 */
import type { ActionResult, DeniedError } from "@gatehouse/sdk";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

/** The `_meta` key of the decision on a proxied call. */
export const DECISION_META = "gatehouse/decision";

/** The proxy's own tool: resumes a call held for approval. */
export const AWAIT_TOOL_NAME = "gatehouse_await_approval";

/** The decision as `_meta["gatehouse/decision"]` carries it. */
export interface DecisionMeta {
  status: ActionResult["status"];
  auditEventId: string;
  approvalId?: string;
  approvalUrl?: string;
  timeoutAt?: string;
  denialReason?: string;
  policyName?: string;
  /** The changes the policies made to the call (docs/policies.md, Rewriting a call): the call runs, or must be made, with them. */
  rewritten?: NonNullable<ActionResult["rewritten"]>;
}

/**
 * The page where a person decides the approval, when the server named one. Read through this
 * function because older servers (and the SDK's generated types until they are regenerated) do not
 * carry the field.
 */
export function approvalUrlOf(result: ActionResult): string | undefined {
  const url = (result as ActionResult & { approvalUrl?: unknown }).approvalUrl;
  return typeof url === "string" && url !== "" ? url : undefined;
}

export function decisionMeta(result: ActionResult): DecisionMeta {
  const url = approvalUrlOf(result);
  return {
    status: result.status,
    auditEventId: result.auditEventId,
    ...(result.approvalId === undefined ? {} : { approvalId: result.approvalId }),
    ...(url === undefined ? {} : { approvalUrl: url }),
    ...(result.timeoutAt === undefined ? {} : { timeoutAt: result.timeoutAt }),
    ...(result.denialReason === undefined ? {} : { denialReason: result.denialReason }),
    ...(result.policyName === undefined ? {} : { policyName: result.policyName }),
    ...(result.rewritten === undefined ? {} : { rewritten: result.rewritten }),
  };
}

function refusal(text: string, result?: ActionResult): CallToolResult {
  return { content: [{ type: "text", text }], isError: true, ...(result === undefined ? {} : { _meta: { [DECISION_META]: decisionMeta(result) } }) };
}

/** A policy denied the call: the server's one sentence says by which policy and why. */
export function deniedAnswer(tool: string, result: ActionResult): CallToolResult {
  return refusal(`Gatehouse did not run ${tool}. ${result.message}`, result);
}

/** A reviewer denied the approval (or it expired, or the agent was halted): their reason, when they gave one. */
export function reviewerDeniedAnswer(tool: string, error: DeniedError): CallToolResult {
  const result = error.result as ActionResult;
  const who = error.decidedBy === undefined ? "The reviewer" : `The reviewer (${error.decidedBy})`;
  const said = error.decisionReason === undefined ? "" : ` ${who} said: ${JSON.stringify(error.decisionReason)}.`;
  return refusal(`Gatehouse did not run ${tool}. ${result.message}${said}`, { ...result, ...(error.approvalId === undefined ? {} : { approvalId: error.approvalId }) });
}

/** Nobody has decided yet: where a person decides, and how to carry on. */
export function pendingAnswer(tool: string, result: ActionResult): CallToolResult {
  const url = approvalUrlOf(result);
  const where = url === undefined ? "A person approves or denies it in the Gatehouse console." : `A person approves or denies it at ${url}.`;
  const expires = result.timeoutAt === undefined ? "" : ` The approval expires at ${result.timeoutAt}.`;
  return refusal(
    `Gatehouse is holding ${tool} for approval ${result.approvalId}: it has not run yet. ${where} ` +
      `To continue, call ${AWAIT_TOOL_NAME} with {"approvalId":"${result.approvalId}"}: it waits for the decision and, once approved, runs this call and returns its result.${expires}`,
    result,
  );
}

/** The call was refused before Gatehouse decided anything, or Gatehouse could not be reached: nothing ran. */
export function notRunAnswer(text: string): CallToolResult {
  return refusal(text);
}

/** The call ran and the server behind the proxy failed it (threw, or the connection broke). */
export function failedAnswer(tool: string, message: string, result: ActionResult): CallToolResult {
  return refusal(`${tool} failed: ${message}`, result);
}

/** The first text of a tool result, for an outcome's message (at most 2,000 characters, the API's limit). */
export function outcomeMessage(answer: CallToolResult): string | undefined {
  const first = answer.content.find((part) => part.type === "text");
  return first?.type === "text" ? first.text.slice(0, 2000) : undefined;
}

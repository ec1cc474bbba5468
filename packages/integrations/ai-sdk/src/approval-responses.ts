import type { ModelMessage, ToolApprovalResponse } from "ai";
import { approvedReason, decide, denialText, describeCall, integrationClient, verifyApproved, type GatehouseAiSdkOptions } from "./decide.ts";
import { approvedResponses, pendingRequests } from "./messages.ts";

/** Options of {@link approvalResponses}. */
export interface ApprovalResponsesOptions extends GatehouseAiSdkOptions {
  /** The run's messages so far: the earlier messages and the run's `responseMessages`, or the same read back from storage. */
  messages: readonly ModelMessage[];
  /**
   * Wait for approvals still pending until then (a `Date` or ms since the epoch), and throw
   * `ApprovalTimeoutError` when it passes. Default: do not wait; answer only the approvals a
   * reviewer has decided.
   */
  deadline?: Date | number;
  /** Aborts the calls and waits. */
  signal?: AbortSignal;
}

/**
 * Gatehouse's decisions on the approval requests of a paused run, as the `tool-approval-response`
 * parts to append (`messages.push({ role: "tool", content: responses })`) before calling
 * `generateText`, `streamText` or the agent again: approved (naming the Gatehouse approval, which
 * `gatehouseToolApproval` checks when the run resumes), or denied with Gatehouse's sentence and the
 * reviewer's reason, which is what the model reads. Requests still pending are left out (or waited
 * for, with `deadline`), so an empty answer means there is nothing to resume yet.
 *
 * Each request is found again by its call's idempotency key (the call id and the digest of its
 * input): a new process with the messages read back from storage gets the same approval, never a
 * second one. An approval granted on other arguments than the call's throws `GatehouseError`
 * `ARGS_MISMATCH`.
 */
export async function approvalResponses(options: ApprovalResponsesOptions): Promise<ToolApprovalResponse[]> {
  const client = integrationClient(options.gatehouse);
  const wait = options.deadline === undefined ? undefined : { deadline: options.deadline, signal: options.signal };
  const responses: ToolApprovalResponse[] = [];
  for (const { request, call } of pendingRequests(options.messages)) {
    const decided = await decide(client, await describeCall(options, call), wait, call.input);
    const { status, approvalId } = decided.result;
    if (status === "executed" && approvalId !== undefined) {
      responses.push({ type: "tool-approval-response", approvalId: request.approvalId, approved: true, reason: approvedReason(approvalId) });
    } else if (status === "denied") {
      responses.push({ type: "tool-approval-response", approvalId: request.approvalId, approved: false, reason: denialText(decided) });
    }
  }
  return responses;
}

/**
 * Checks, before a run goes on, every approval in the last message of `messages` that the AI SDK
 * would act on, as `gatehouseToolApproval` does inside the run: for a server that receives the
 * history from a client (`useChat`) and should refuse a forged or altered approval before streaming
 * anything. Throws `GatehouseError` (`APPROVAL_NOT_GRANTED`, `ARGS_MISMATCH`) for the first that
 * Gatehouse did not grant for that very call and its arguments.
 */
export async function verifyApprovalResponses(options: GatehouseAiSdkOptions & { messages: readonly ModelMessage[] }): Promise<void> {
  const client = integrationClient(options.gatehouse);
  for (const { response, call } of approvedResponses(options.messages)) await verifyApproved(client, options, call, response.reason);
}

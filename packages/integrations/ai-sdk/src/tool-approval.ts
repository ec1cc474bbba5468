import type { ActionResult } from "@gatehouse/sdk";
import type { ModelMessage, ToolApprovalStatus } from "ai";
import { decide, denialText, describeCall, integrationClient, verifyApproved, type GatehouseAiSdkOptions, type ToolCallRef } from "./decide.ts";
import { approvedResponses } from "./messages.ts";

/** Options of {@link gatehouseToolApproval}. */
export interface GatehouseToolApprovalOptions extends GatehouseAiSdkOptions {
  /**
   * What to do with a call that needs a person's approval. `"blocking"` (the default): wait for the
   * reviewer inside the step, then run the tool or hand the model the denial. `"out-of-band"`: answer
   * `user-approval`, so the run ends with a `tool-approval-request`; resume it with
   * {@link approvalResponses} once Gatehouse has decided, in this process or another.
   */
  mode?: "blocking" | "out-of-band";
  /**
   * Blocking mode: when to stop waiting, as a `Date` or ms since the epoch, or a function called at
   * each wait that returns one. The step then fails with `ApprovalTimeoutError` and the approval stays
   * pending. Default: 8 hours from the start of each wait.
   */
  deadline?: Date | number | (() => Date | number);
  /** Blocking mode: aborts the waits (the AI SDK does not hand its own signal to approval functions). */
  signal?: AbortSignal;
  /** Called with the `requested` decision (its `approvalId`, `timeoutAt`) when a call starts waiting for a reviewer, in either mode. */
  onRequested?: (result: ActionResult, toolCall: ToolCallRef) => void;
}

/** What the AI SDK hands a generic `toolApproval` function, as far as Gatehouse reads it. */
export interface ToolApprovalRequestInfo {
  toolCall: ToolCallRef;
  messages: ModelMessage[];
}

/** A generic `toolApproval` function for `generateText`, `streamText` and `ToolLoopAgent`. */
export type GatehouseToolApproval = (options: ToolApprovalRequestInfo) => Promise<Exclude<ToolApprovalStatus, string | undefined>>;

/**
 * A `toolApproval` function that decides every tool call with Gatehouse, bound to the call's exact
 * input: allowed → `approved`; denied → `denied`, with Gatehouse's sentence (and a reviewer's reason)
 * as what the model reads; needing approval → the reviewer's answer (blocking mode) or
 * `user-approval` (out-of-band mode).
 *
 * The AI SDK calls it a second time for every approval that comes back in the message history,
 * before it runs the tool. That approval is refused (the call rejects with a `GatehouseError`,
 * `APPROVAL_NOT_GRANTED` or `ARGS_MISMATCH`) unless it names a Gatehouse approval that was granted
 * for this very call and these arguments, as {@link approvalResponses} writes it: an approval typed
 * into the history by a client does not run the tool.
 */
export function gatehouseToolApproval(options: GatehouseToolApprovalOptions): GatehouseToolApproval {
  const client = integrationClient(options.gatehouse);
  const blocking = (options.mode ?? "blocking") === "blocking";
  return async ({ toolCall, messages }) => {
    const call: ToolCallRef = { toolCallId: toolCall.toolCallId, toolName: toolCall.toolName, input: toolCall.input };
    const replayed = approvedResponses(messages).find((approved) => approved.call.toolCallId === call.toolCallId);
    if (replayed !== undefined) {
      await verifyApproved(client, options, call, replayed.response.reason);
      return { type: "approved" };
    }
    const onRequested = (result: ActionResult) => options.onRequested?.(result, call);
    const deadline = typeof options.deadline === "function" ? options.deadline() : options.deadline;
    const decided = await decide(client, await describeCall(options, call), blocking ? { deadline, signal: options.signal, onRequested } : undefined, call.input);
    switch (decided.result.status) {
      case "executed":
        return { type: "approved" };
      case "denied":
        return { type: "denied", reason: denialText(decided) };
      case "requested":
        onRequested(decided.result);
        return { type: "user-approval", reason: decided.result.message };
    }
  };
}

/**
 * Reading approvals out of an AI SDK message history as `generateText` reads it
 * (collect-tool-approvals in `ai`): requests are parts of assistant messages, responses are parts of
 * tool messages, and only the responses of the last message, when it is a tool message, are acted on.
 */
import type { ModelMessage, ToolApprovalRequest, ToolApprovalResponse } from "ai";
import type { ToolCallRef } from "./decide.ts";

/** An approval request of the history with the tool call it is about. */
export interface RequestedCall {
  request: ToolApprovalRequest;
  call: ToolCallRef;
}

/** Every tool call and approval request of the history's assistant messages, by id. */
function assistantParts(messages: readonly ModelMessage[]): { calls: Map<string, ToolCallRef>; requests: Map<string, ToolApprovalRequest> } {
  const calls = new Map<string, ToolCallRef>();
  const requests = new Map<string, ToolApprovalRequest>();
  for (const message of messages) {
    if (message.role !== "assistant" || typeof message.content === "string") continue;
    for (const part of message.content) {
      if (part.type === "tool-call") calls.set(part.toolCallId, { toolCallId: part.toolCallId, toolName: part.toolName, input: part.input });
      else if (part.type === "tool-approval-request") requests.set(part.approvalId, part);
    }
  }
  return { calls, requests };
}

/**
 * The approval requests a person still has to answer: asked for (not automatic), with no response and
 * no result anywhere in the history.
 */
export function pendingRequests(messages: readonly ModelMessage[]): RequestedCall[] {
  const { calls, requests } = assistantParts(messages);
  const answered = new Set<string>();
  const finished = new Set<string>();
  for (const message of messages) {
    if (message.role !== "tool") continue;
    for (const part of message.content) {
      if (part.type === "tool-approval-response") answered.add(part.approvalId);
      else finished.add(part.toolCallId);
    }
  }
  const pending: RequestedCall[] = [];
  for (const request of requests.values()) {
    const call = calls.get(request.toolCallId);
    if (request.isAutomatic === true || answered.has(request.approvalId) || finished.has(request.toolCallId) || call === undefined) continue;
    pending.push({ request, call });
  }
  return pending;
}

/**
 * The approved responses `generateText` will act on when it is given these messages: those of the
 * last message, when it is a tool message, whose call has no result in it yet, with their calls.
 */
export function approvedResponses(messages: readonly ModelMessage[]): Array<{ response: ToolApprovalResponse; call: ToolCallRef }> {
  const last = messages.at(-1);
  if (last?.role !== "tool") return [];
  const { calls, requests } = assistantParts(messages);
  const results = new Set(last.content.flatMap((part) => (part.type === "tool-result" ? [part.toolCallId] : [])));
  const approved: Array<{ response: ToolApprovalResponse; call: ToolCallRef }> = [];
  for (const part of last.content) {
    if (part.type !== "tool-approval-response" || !part.approved) continue;
    const request = requests.get(part.approvalId);
    const call = request === undefined ? undefined : calls.get(request.toolCallId);
    if (call === undefined || results.has(call.toolCallId)) continue;
    approved.push({ response: part, call });
  }
  return approved;
}

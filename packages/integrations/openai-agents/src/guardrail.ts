import type { ActionResult, DescribedToolCall } from "@gatehouse/sdk";
import type { ToolInputGuardrailDefinition } from "@openai/agents";
import { callArguments, describeCall, governance, standing, type GatehouseToolOptions, type Governance } from "./governance.ts";

/**
 * A tool input guardrail decided by Gatehouse: it runs just before the tool does and lets the call
 * through only when Gatehouse allows these exact arguments, by policy or by an approval a person
 * gave for them. Otherwise the tool does not run and the model reads why (`rejectContent`): the
 * policy's denial, the reviewer's reason, or that the approval is still pending (as when a run state
 * was marked approved without Gatehouse). Asking again with the same call id and arguments answers
 * the decision already made, so the guardrail records nothing new for a call already decided.
 */
export function gatehouseInputGuardrail<TContext = unknown>(options: GatehouseToolOptions): ToolInputGuardrailDefinition<TContext> {
  return inputGuardrail<TContext>(governance(options));
}

/**
 * The guardrail of a tool's settings. `name`: the tool's own name (a governed tool's), else the
 * call's. `onAllowed` hears each call let through, with the decision its outcome is reported against.
 */
export function inputGuardrail<TContext>(
  settings: Governance,
  name?: string,
  onAllowed?: (call: DescribedToolCall, result: ActionResult) => void,
): ToolInputGuardrailDefinition<TContext> {
  return {
    type: "tool_input",
    name: "gatehouse",
    async run({ toolCall }) {
      const call = await describeCall(settings, name ?? toolCall.name, callArguments(toolCall.arguments), toolCall.callId);
      const now = await standing(settings, call);
      const outputInfo = { auditEventId: now.result.auditEventId, status: now.status, approvalId: now.result.approvalId };
      if (now.status !== "allowed") return { behavior: { type: "rejectContent", message: now.message }, outputInfo };
      onAllowed?.(call, now.result);
      return { behavior: { type: "allow" }, outputInfo };
    },
  };
}

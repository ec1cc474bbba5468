import { z } from "zod";
import { postConditionReason } from "../../policy/post-conditions";
import { eventField, eventType } from "../event-type";

/** A reported outcome broke a policy's post-condition (docs/policies.md, Post-conditions). */
export const postconditionViolated = eventType({
  type: "postcondition.violated",
  from: { "action.postcondition_violated": true },
  fields: {
    agentName: eventField.agentName,
    actionId: eventField.actionId,
    actionType: eventField.actionType,
    auditEventId: eventField.auditEventId.describe("The decision whose outcome broke it."),
    policyName: eventField.policyName,
    reason: eventField.reason,
    halted: z.boolean().optional().describe("Whether the org's `postConditions.haltAgent` halted the agent too (an `enforcement.triggered` event follows)."),
  },
  project(entry, data) {
    // The entry names its policy by name alone.
    const fields: Record<string, unknown> = entry.data;
    data.policyName = fields.policy;
    data.reason = postConditionReason(String(fields.policy), String(fields.actionType));
  },
});

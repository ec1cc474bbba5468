import { z } from "zod";
import { LOOP_KINDS, loopReason, type LoopKind } from "../../limits/loops";
import { postConditionReason } from "../../policy/post-conditions";
import { eventField, eventType } from "../event-type";

/** Gatehouse itself stopped an agent or a call: a circuit opened, a system halt, a loop, a broken post-condition. */
export const enforcementTriggered = eventType({
  type: "enforcement.triggered",
  from: {
    "agent.circuit_opened": true,
    "agent.loop_detected": true,
    "action.postcondition_violated": true,
    // Only an automatic halt (the anomaly detector's) is an enforcement; a member's halt is not.
    "agent.halted": (entry) => entry.actor?.type === "system",
  },
  fields: {
    agentName: eventField.agentName,
    reason: eventField.reason,
    kind: z
      .enum(["circuit_opened", "agent_halted", "loop_detected", "postcondition_violated"])
      .optional()
      .describe(
        "What enforced: the circuit breaker opened, the system (anomaly or loop detection) halted the agent, a call went over its loop limit, or an outcome broke a policy's post-condition (`policyName`).",
      ),
    actionType: eventField.actionType,
    auditEventId: eventField.auditEventId.describe("`postcondition_violated`: the decision whose outcome broke it."),
    loop: z.enum(LOOP_KINDS).optional().describe("`loop_detected`: the same call repeated (`repeat`), or two calls alternating (`ping_pong`)."),
    count: z.number().int().optional().describe("`loop_detected`: the calls within the window, this one included."),
    maxRepeats: z.number().int().optional().describe("`loop_detected`: the limit it went over."),
    windowSeconds: z.number().int().optional().describe("`loop_detected`: the limit's window."),
  },
  project(entry, data) {
    const fields: Record<string, unknown> = entry.data;
    if (entry.type === "agent.circuit_opened") data.kind = "circuit_opened";
    if (entry.type === "agent.halted") data.kind = "agent_halted";
    if (entry.type === "agent.loop_detected") {
      // Which loop (the entry's `kind` is repeat | ping_pong), the action and the limit it went over.
      data.kind = "loop_detected";
      data.loop = fields.kind;
      data.reason = loopReason(
        {
          kind: fields.kind as LoopKind,
          count: Number(fields.count),
          limit: { maxRepeats: Number(fields.maxRepeats), windowSeconds: Number(fields.windowSeconds), source: String(fields.source) },
        },
        String(fields.actionType),
      );
    }
    if (entry.type === "action.postcondition_violated") {
      // Which policy's post-condition, broken by which action's outcome.
      data.kind = "postcondition_violated";
      data.policyName = fields.policy;
      data.reason = postConditionReason(String(fields.policy), String(fields.actionType));
    }
    if (typeof fields.name === "string") data.agentName = fields.name;
  },
});

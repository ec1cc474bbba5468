import { z } from "zod";
import { eventField, eventType } from "../event-type";

/**
 * Gatehouse itself stopped an agent: its circuit breaker opened, or the system halted it (the anomaly
 * detector, or a loop or a broken post-condition under the org's `haltAgent` settings). The loop and the
 * broken post-condition themselves are `loop.detected` and `postcondition.violated`.
 */
export const enforcementTriggered = eventType({
  type: "enforcement.triggered",
  from: {
    "agent.circuit_opened": true,
    // Only an automatic halt is an enforcement; a member's halt is not.
    "agent.halted": (entry) => entry.actor?.type === "system",
  },
  fields: {
    agentName: eventField.agentName,
    reason: eventField.reason,
    kind: z.enum(["circuit_opened", "agent_halted"]).optional().describe("What enforced: the circuit breaker opened, or the system halted the agent."),
  },
  project(entry, data) {
    const fields: Record<string, unknown> = entry.data;
    data.kind = entry.type === "agent.circuit_opened" ? "circuit_opened" : "agent_halted";
    if (typeof fields.name === "string") data.agentName = fields.name;
  },
});

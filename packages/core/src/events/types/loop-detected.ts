import { z } from "zod";
import { LOOP_KINDS, loopReason, type LoopKind } from "../../limits/loops";
import { eventField, eventType } from "../event-type";

/** An agent repeated the same call, or alternated between two, past its loop limit: the call that went over was refused (docs/loops.md). */
export const loopDetected = eventType({
  type: "loop.detected",
  from: { "agent.loop_detected": true },
  fields: {
    agentName: eventField.agentName,
    actionType: eventField.actionType,
    reason: eventField.reason,
    kind: z.enum(LOOP_KINDS).optional().describe("The same call repeated (`repeat`), or two calls alternating (`ping_pong`)."),
    count: z.number().int().optional().describe("The calls within the window, this one included."),
    maxRepeats: z.number().int().optional().describe("The limit it went over."),
    windowSeconds: z.number().int().optional().describe("The limit's window."),
    source: z.string().optional().describe("Where the limit comes from: `org`, or the policy that set it."),
    halted: z.boolean().optional().describe("Whether the org's `loops.haltAgent` halted the agent too (an `enforcement.triggered` event follows)."),
  },
  project(entry, data) {
    const fields: Record<string, unknown> = entry.data;
    data.reason = loopReason(
      {
        kind: fields.kind as LoopKind,
        count: Number(fields.count),
        limit: { maxRepeats: Number(fields.maxRepeats), windowSeconds: Number(fields.windowSeconds), source: String(fields.source) },
      },
      String(fields.actionType),
    );
  },
});

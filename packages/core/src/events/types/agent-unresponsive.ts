import { z } from "zod";
import { eventField, eventType } from "../event-type";

/** An agent with a heartbeat session stopped answering. */
export const agentUnresponsive = eventType({
  type: "agent.unresponsive",
  from: { "agent.unresponsive": true },
  fields: {
    agentName: eventField.agentName,
    lastSeenAt: z.string().optional().describe("Its last call or heartbeat."),
    heartbeatSeconds: z.number().int().optional().describe("The interval its heartbeat session declared."),
    runs: z.array(z.string()).optional().describe("Its runs still running when it stopped answering."),
  },
});

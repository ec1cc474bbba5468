import { z } from "zod";
import { eventField, eventType } from "../event-type";

/** An agent's call rate or denial rate left its baseline. */
export const anomalyDetected = eventType({
  type: "anomaly.detected",
  from: { "agent.anomaly_detected": true },
  fields: {
    agentName: eventField.agentName,
    kind: z.enum(["call_rate", "denial_rate"]).optional(),
    recent: z.number().optional().describe("The last complete window's figure (calls, or the share of calls denied, 0–1)."),
    baseline: z.number().optional().describe("The trailing baseline's figure, scaled to the same window."),
    multiple: z.number().nullable().optional().describe("recent ÷ baseline (null when the baseline is 0)."),
    threshold: z.number().optional().describe("The multiple the rule reports from (docs/posture.md, Anomalies)."),
    windowMinutes: z.number().int().optional().describe("The length of the recent window, in minutes."),
  },
});

import { EVENT_TYPES } from "@gatehouse/core";
import { z } from "zod";
import { idOf, named, queryText } from "./common";

export const eventTypeSchema = z.enum(EVENT_TYPES);

const memberSchema = z.looseObject({ id: z.string(), email: z.string(), name: z.string().optional() });

export const eventDataSchema = named(
  "EventData",
  z.looseObject({
    seq: z.number().int().describe("The audit sequence number of the entry the event comes from (the event's id)."),
    type: eventTypeSchema,
    at: z.string(),
    agentId: z.string().nullable(),
    agentName: z.string().optional(),
    actionId: z.string().optional(),
    actionType: z.string().optional(),
    auditEventId: z.string().optional(),
    approvalId: z.string().optional(),
    status: z.string().optional(),
    denialReason: z.string().optional(),
    policyName: z.string().optional().describe("The policy that decided; `policy.changed`: the policy that changed."),
    reason: z.string().optional(),
    decidedBy: memberSchema.optional().describe("`approval.decided`: the member whose vote ended it."),
    decision: z.string().optional(),
    member: memberSchema.optional().describe("`approval.voted`: the member who voted."),
    approvals: z.number().int().optional(),
    quorum: z.number().int().optional(),
    timeoutAt: z.string().optional(),
    kind: z.string().optional().describe("`enforcement.triggered`: `circuit_opened` or `agent_halted` (an automatic halt); `anomaly.detected`: `call_rate` or `denial_rate`."),
    recent: z.number().optional().describe("`anomaly.detected`: the last complete window's figure (calls, or the share of calls denied, 0–1)."),
    baseline: z.number().optional().describe("`anomaly.detected`: the trailing baseline's figure, scaled to the same window."),
    multiple: z.number().nullable().optional().describe("`anomaly.detected`: recent ÷ baseline (null when the baseline is 0)."),
    threshold: z.number().optional().describe("`anomaly.detected`: the multiple the rule reports from (docs/posture.md, Anomalies)."),
    windowMinutes: z.number().int().optional().describe("`anomaly.detected`: the length of the recent window, in minutes."),
    version: z.number().int().optional().describe("`policy.changed`: the version published (or, archived, the policy's last version)."),
    change: z.enum(["published", "archived"]).optional().describe("`policy.changed`: a new version went live, or the policy was archived."),
  }),
  "The `data` of one server-sent event (JSON). Which optional fields are present depends on its type.",
);

export const eventsQuerySchema = z.object({
  lastEventId: queryText(20).optional().describe("Resume after this event id (or send the Last-Event-ID header)."),
  types: queryText(500).optional().describe("Comma-separated event types to receive, e.g. `approval.decided,action.denied`."),
  agentId: idOf("agent").optional().describe("Only this agent's events (an agent key always gets only its own)."),
});

export type EventData = z.output<typeof eventDataSchema>;

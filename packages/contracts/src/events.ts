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
    policyName: z.string().optional(),
    reason: z.string().optional(),
    decidedBy: memberSchema.optional().describe("`approval.decided`: the member whose vote ended it."),
    decision: z.string().optional(),
    member: memberSchema.optional().describe("`approval.voted`: the member who voted."),
    approvals: z.number().int().optional(),
    quorum: z.number().int().optional(),
    timeoutAt: z.string().optional(),
  }),
  "The `data` of one server-sent event (JSON). Which optional fields are present depends on its type.",
);

export const eventsQuerySchema = z.object({
  lastEventId: queryText(20).optional().describe("Resume after this event id (or send the Last-Event-ID header)."),
  types: queryText(500).optional().describe("Comma-separated event types to receive, e.g. `approval.decided,action.denied`."),
  agentId: idOf("agent").optional().describe("Only this agent's events (an agent key always gets only its own)."),
});

export type EventData = z.output<typeof eventDataSchema>;

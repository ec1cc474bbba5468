import { denialReasonSchema, EVENT_TYPES, LOOP_KINDS, type EventType } from "@gatehouse/core";
import { z } from "zod";
import { idOf, named, queryText } from "./common";

export const eventTypeSchema = z.enum(EVENT_TYPES);

const memberSchema = z.looseObject({ id: z.string(), email: z.string(), name: z.string().optional() });

/** The fields of the `data` of events of each type (every one also has seq, type, at and agentId). */
const field = {
  agentName: z.string().optional(),
  actionId: z.string().optional(),
  actionType: z.string().optional(),
  auditEventId: z.string().optional(),
  approvalId: z.string().optional(),
  status: z.string().optional(),
  denialReason: denialReasonSchema.optional(),
  policyName: z.string().optional().describe("The policy that decided; `policy.changed`: the policy that changed."),
  reason: z.string().optional(),
  timeoutAt: z.string().optional(),
};

const decision = { ...field, delegation: z.looseObject({ rootAgentId: z.string(), rootAgentName: z.string(), depth: z.number().int(), chain: z.array(z.string()) }).optional() };
const approvalEnd = {
  actionId: field.actionId,
  actionType: field.actionType,
  approvalId: field.approvalId,
  status: field.status,
  denialReason: field.denialReason,
  reason: field.reason,
  decidedBy: memberSchema.optional().describe("`approval.decided`: the member whose vote ended it."),
};
const delegation = {
  delegationId: z.string().optional(),
  parentAgentId: z.string().optional(),
  childAgentId: z.string().optional(),
  capabilities: z.array(z.string()).optional(),
  depth: z.number().int().optional(),
  expiresAt: z.string().optional(),
  revokedWith: z.string().optional().describe("`delegation.revoked` below the top of a revoked subtree: the delegation whose revoke ended it."),
};

/** The data of each event type: a member of the union, discriminated by `type`. */
const EVENT_FIELDS = {
  "action.executed": decision,
  "action.denied": decision,
  "approval.requested": decision,
  "approval.voted": {
    actionId: field.actionId,
    actionType: field.actionType,
    approvalId: field.approvalId,
    status: field.status,
    reason: field.reason,
    decision: z.enum(["approve", "deny"]).optional(),
    member: memberSchema.optional().describe("`approval.voted`: the member who voted."),
    approvals: z.number().int().optional(),
    quorum: z.number().int().optional(),
  },
  "approval.decided": approvalEnd,
  "approval.expired": approvalEnd,
  "delegation.created": delegation,
  "delegation.revoked": delegation,
  "delegation.expired": delegation,
  "enforcement.triggered": {
    agentName: field.agentName,
    reason: field.reason,
    kind: z
      .enum(["circuit_opened", "agent_halted", "loop_detected", "postcondition_violated"])
      .optional()
      .describe(
        "What enforced: the circuit breaker opened, the system (anomaly or loop detection) halted the agent, a call went over its loop limit, or an outcome broke a policy's post-condition (`policyName`).",
      ),
    actionType: field.actionType,
    loop: z.enum(LOOP_KINDS).optional().describe("`loop_detected`: the same call repeated (`repeat`), or two calls alternating (`ping_pong`)."),
    count: z.number().int().optional().describe("`loop_detected`: the calls within the window, this one included."),
    maxRepeats: z.number().int().optional().describe("`loop_detected`: the limit it went over."),
    windowSeconds: z.number().int().optional().describe("`loop_detected`: the limit's window."),
  },
  "anomaly.detected": {
    agentName: field.agentName,
    kind: z.enum(["call_rate", "denial_rate"]).optional(),
    recent: z.number().optional().describe("The last complete window's figure (calls, or the share of calls denied, 0–1)."),
    baseline: z.number().optional().describe("The trailing baseline's figure, scaled to the same window."),
    multiple: z.number().nullable().optional().describe("recent ÷ baseline (null when the baseline is 0)."),
    threshold: z.number().optional().describe("The multiple the rule reports from (docs/posture.md, Anomalies)."),
    windowMinutes: z.number().int().optional().describe("The length of the recent window, in minutes."),
  },
  "agent.unresponsive": {
    agentName: field.agentName,
    lastSeenAt: z.string().optional().describe("Its last call or heartbeat."),
    heartbeatSeconds: z.number().int().optional().describe("The interval its heartbeat session declared."),
    runs: z.array(z.string()).optional().describe("Its runs still running when it stopped answering."),
  },
  "policy.changed": {
    policyName: field.policyName,
    version: z.number().int().optional().describe("The version published (or, archived, the policy's last version)."),
    change: z.enum(["published", "archived"]).optional().describe("A new version went live, or the policy was archived."),
  },
} satisfies Record<EventType, z.ZodRawShape>;

/** `approval.voted` → `ApprovalVoted`: the event's component name after `Event`. */
const pascal = (type: string) =>
  type
    .split(/[._]/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");

const eventOf = <T extends EventType>(type: T) =>
  named(
    `Event${pascal(type)}`,
    z.looseObject({
      seq: z.number().int().describe("The audit sequence number of the entry the event comes from (the event's id)."),
      type: z.literal(type),
      at: z.string(),
      agentId: z.string().nullable(),
      ...EVENT_FIELDS[type],
    }),
  );

type EventMember<T> = T extends EventType ? ReturnType<typeof eventOf<T>> : never;
type EventMembers<Types extends readonly EventType[]> = { -readonly [I in keyof Types]: EventMember<Types[I]> };
/** One member per event type, in core's order (EVENT_TYPES): a new type is its fields above and nothing here. */
const EVENT_MEMBERS = EVENT_TYPES.map((type) => eventOf(type)) as unknown as EventMembers<typeof EVENT_TYPES>;

export const eventDataSchema = named(
  "EventData",
  z.discriminatedUnion("type", EVENT_MEMBERS),
  "The `data` of one server-sent event (JSON): one member per event type, discriminated by `type`. Types may be added.",
);

export const eventsQuerySchema = z.object({
  lastEventId: queryText(20).optional().describe("Resume after this event id (or send the Last-Event-ID header)."),
  types: queryText(500).optional().describe("Comma-separated event types to receive, e.g. `approval.decided,action.denied`."),
  agentId: idOf("agent").optional().describe("Only this agent's events (an agent key always gets only its own)."),
});

export type EventData = z.output<typeof eventDataSchema>;

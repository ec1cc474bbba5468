import { z } from "zod";
import { denialReasonSchema } from "../actions/denial-reasons";
import type { AuditEntryPayload, AuditEntryType } from "../audit/entry-types";

/**
 * A stored audit entry as the projection to events reads it: one member of the union of entry types. A
 * type the union does not know (a newer server's) projects to null.
 */
export type EventEntry = {
  id: string;
  seq: number;
  /** Who wrote the entry (an automatic halt is the system's; a member's halt is no event). */
  actor?: { type: string; id: string };
  agentId: string | null;
  time: string;
} & AuditEntryPayload;

/** An entry of one type. */
export type EntryOf<T extends AuditEntryType> = EventEntry & { type: T };

/**
 * One event type, declared in its own file under events/types/ and listed once in EVENT_DEFINITIONS
 * (events/event-types.ts), from which the stream, the webhooks, the contract (its `data` schema, as the
 * OpenAPI component `Event<Type>`) and the SDK's types follow.
 */
export interface EventTypeDefinition<Type extends string = string, From extends AuditEntryType = AuditEntryType, Fields extends z.ZodRawShape = z.ZodRawShape> {
  /** Its name on the wire (`event:` of a server-sent event, a webhook's `type`). */
  readonly type: Type;
  /**
   * The audit entry types it is a projection of: `true` for every entry of that type, or a test that
   * chooses (one entry type may become one of several events, by its data).
   */
  readonly from: { readonly [E in From]: true | ((entry: EntryOf<E>) => boolean) };
  /**
   * The fields of its `data` beyond seq, type, at and agentId, for the contract. An entry's field whose
   * name an event type declares is copied into its event; nothing else of the entry is.
   */
  readonly fields: Fields;
  /** What the event says that is not a field of the entry by the same name (set on `data`). */
  readonly project?: (entry: EventEntry, data: Record<string, unknown>) => void;
}

/** Declares an event type (its name and the entry types it comes from are kept as literal types). */
export function eventType<const Type extends string, From extends AuditEntryType, Fields extends z.ZodRawShape>(
  definition: EventTypeDefinition<Type, From, Fields>,
): EventTypeDefinition<Type, From, Fields> {
  return definition;
}

/** A member, as an event names one (who voted, who decided). */
export const memberField = z.looseObject({ id: z.string(), email: z.string(), name: z.string().optional() });

/** Fields several event types share, each described once. */
export const eventField = {
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

/** A decision's event (executed, denied, or sent for approval): its action, its policy, and a delegate's chain. */
export const decisionFields = {
  ...eventField,
  delegation: z.looseObject({ rootAgentId: z.string(), rootAgentName: z.string(), depth: z.number().int(), chain: z.array(z.string()) }).optional(),
};

/** The entry of a decision names itself: its id, to look it up in the audit log. */
export const decisionProjection = (entry: EventEntry, data: Record<string, unknown>): void => {
  data.auditEventId = entry.id;
};

/** The end of an approval (decided, cancelled, expired). */
export const approvalEndFields = {
  actionId: eventField.actionId,
  actionType: eventField.actionType,
  approvalId: eventField.approvalId,
  status: eventField.status,
  denialReason: eventField.denialReason,
  reason: eventField.reason,
  decidedBy: memberField.optional().describe("`approval.decided`: the member whose vote ended it."),
};

/** A delegation made, revoked or expired. */
export const delegationFields = {
  delegationId: z.string().optional(),
  parentAgentId: z.string().optional(),
  childAgentId: z.string().optional(),
  capabilities: z.array(z.string()).optional(),
  depth: z.number().int().optional(),
  expiresAt: z.string().optional(),
  revokedWith: z.string().optional().describe("`delegation.revoked` below the top of a revoked subtree: the delegation whose revoke ended it."),
};

import type { AuditEntryPayload, AuditEntryType } from "../audit/entry-types";
import { loopReason, type LoopKind } from "../limits/loops";
import { postConditionReason } from "../policy/post-conditions";

/**
 * Server-sent events are projections of audit entries: each event's id is its entry's sequence
 * number, so a stream resumes exactly where it stopped (`Last-Event-ID`) with nothing invented and
 * nothing lost. Entries that are not events (keys, members, …) project to null. A policy published or
 * archived is `policy.changed` (org-wide: an agent key's stream, which carries only its own agent's
 * entries, does not see it).
 */
export const EVENT_TYPES = [
  "action.executed",
  "action.denied",
  "approval.requested",
  "approval.voted",
  "approval.decided",
  "approval.expired",
  "delegation.created",
  "delegation.revoked",
  "delegation.expired",
  "enforcement.triggered",
  "anomaly.detected",
  "agent.unresponsive",
  "policy.changed",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * A stored audit entry as the projection reads it: one member of the union of entry types. A type
 * the union does not know (a newer server's) projects to null.
 */
export type EventEntry = {
  id: string;
  seq: number;
  /** Who wrote the entry (an automatic halt is the system's; a member's halt is no event). */
  actor?: { type: string; id: string };
  agentId: string | null;
  time: string;
} & AuditEntryPayload;

export interface GatehouseEvent {
  id: string;
  type: EventType;
  data: Record<string, unknown> & { seq: number; type: EventType; at: string; agentId: string | null };
}

const PICK = [
  "agentName",
  "actionId",
  "actionType",
  "approvalId",
  "status",
  "denialReason",
  "reason",
  "decidedBy",
  "decision",
  "member",
  "approvals",
  "quorum",
  "timeoutAt",
  // A delegate's decision: its chain (root first). Delegation events: what was created, revoked or expired.
  "delegation",
  "delegationId",
  "parentAgentId",
  "childAgentId",
  "capabilities",
  "depth",
  "expiresAt",
  "revokedWith",
  // enforcement.triggered: what enforced (circuit_opened | agent_halted); anomaly.detected: which rate
  // (call_rate | denial_rate) and its numbers.
  "kind",
  "recent",
  "baseline",
  "multiple",
  "threshold",
  "windowMinutes",
  // enforcement.triggered by a loop: how many calls, against which limit.
  "count",
  "maxRepeats",
  "windowSeconds",
  // agent.unresponsive: when it was last seen, its session's interval, its runs in flight.
  "lastSeenAt",
  "heartbeatSeconds",
  "runs",
] as const;

type EntryOf<T extends AuditEntryType> = EventEntry & { type: T };

/** What an entry of one type is as an event: always one type, one chosen from the entry, or none (null). */
type Projection<T extends AuditEntryType> = EventType | ((entry: EntryOf<T>) => EventType | null) | null;

/**
 * What every entry type projects to: one table the compiler walks (a new entry type does not compile until it is
 * here), from which the types the streams and the webhook dispatcher read are derived.
 */
const EVENT_OF: { [T in AuditEntryType]: Projection<T> } = {
  "action.decided": (entry) =>
    entry.data.status === "executed" ? "action.executed" : entry.data.status === "denied" ? "action.denied" : entry.data.status === "requested" ? "approval.requested" : null,
  "approval.vote": "approval.voted",
  "approval.decided": "approval.decided",
  "approval.cancelled": "approval.decided",
  "approval.expired": "approval.expired",
  "delegation.created": "delegation.created",
  "delegation.revoked": "delegation.revoked",
  "delegation.expired": "delegation.expired",
  "agent.circuit_opened": "enforcement.triggered",
  "agent.loop_detected": "enforcement.triggered",
  "action.postcondition_violated": "enforcement.triggered",
  // Only an automatic halt (the anomaly detector's) is an enforcement; a member's halt is not.
  "agent.halted": (entry) => (entry.actor?.type === "system" ? "enforcement.triggered" : null),
  "agent.anomaly_detected": "anomaly.detected",
  "agent.unresponsive": "agent.unresponsive",
  "policy.version_published": "policy.changed",
  "policy.archived": "policy.changed",
  "action.outcome": null,
  "agent.evidence": null,
  "run.ended": null,
  "budget.released": null,
  "approval.vote_refused": null,
  "agent.created": null,
  "agent.resumed": null,
  "agent.circuit_closed": null,
  "key.issued": null,
  "key.revoked": null,
  "key.reissued": null,
  "audit.signing_key_created": null,
  "audit.signing_key_rotated": null,
  "audit.erased": null,
  "org.created": null,
  "org.renamed": null,
  "org.slug_changed": null,
  "org.settings_changed": null,
  "org.sso_domain_verified": null,
  "webhook.endpoint_changed": null,
  "integration.changed": null,
  "grant.created": null,
  "grant.revoked": null,
  "member.handover_set": null,
  "member.handover_ended": null,
  "org.closed": null,
  "member.added": null,
  "member.invited": null,
  "member.joined": null,
  "member.role_changed": null,
  "member.removed": null,
  "member.left": null,
  "member.password_reset": null,
  "invitation.revoked": null,
  "invitation.reissued": null,
  "account.password_changed": null,
  "account.password_reset": null,
  "account.sessions_ended": null,
};

/** The audit entry types that may project to an event (for filtering reads), from the table. */
export const EVENT_ENTRY_TYPES: readonly AuditEntryType[] = (Object.keys(EVENT_OF) as AuditEntryType[]).filter((type) => EVENT_OF[type] !== null);

/** Which event an entry is, if any. A type the table does not know (a newer server's) is no event. */
function typeOf(entry: EventEntry): EventType | null {
  if (!Object.hasOwn(EVENT_OF, entry.type)) return null;
  const projection = EVENT_OF[entry.type] as Projection<AuditEntryType>;
  return typeof projection === "function" ? projection(entry as EntryOf<AuditEntryType>) : projection;
}

export function eventOfEntry(entry: EventEntry): GatehouseEvent | null {
  const type = typeOf(entry);
  if (!type) return null;
  const data: GatehouseEvent["data"] = { seq: entry.seq, type, at: entry.time, agentId: entry.agentId };
  const fields: Record<string, unknown> = entry.data;
  for (const key of PICK) if (fields[key] !== undefined) data[key] = fields[key];
  const policy = fields.policy as { name?: unknown } | undefined;
  if (typeof policy?.name === "string") data.policyName = policy.name;
  if (entry.type === "action.decided") data.auditEventId = entry.id;
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
  if (type === "enforcement.triggered" && typeof fields.name === "string") data.agentName = fields.name;
  if (type === "policy.changed") {
    // Which policy, its version (the new one; an archive names the last), and what happened to it.
    if (typeof fields.name === "string") data.policyName = fields.name;
    if (typeof fields.version === "number") data.version = fields.version;
    data.change = entry.type === "policy.archived" ? "archived" : "published";
  }
  return { id: String(entry.seq), type, data };
}

/** Frames already serialized, per event object (events are not changed once projected). */
const frames = new WeakMap<object, string>();

/**
 * One event as a server-sent-events frame (`id`, `event`, `data`), for every stream that sends them.
 * Serialized once per event object: a live event fanned out to many streams, or a replay page
 * serialized in slices before it is written, costs one `JSON.stringify`.
 */
export function sseFrame(event: Pick<GatehouseEvent, "id" | "type" | "data">): string {
  let frame = frames.get(event);
  if (frame === undefined) {
    frame = `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
    frames.set(event, frame);
  }
  return frame;
}

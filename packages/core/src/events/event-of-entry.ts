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

/** The audit entry types that project to events (for filtering reads). */
export const EVENT_ENTRY_TYPES = [
  "action.decided",
  "approval.vote",
  "approval.decided",
  "approval.expired",
  "approval.cancelled",
  "delegation.created",
  "delegation.revoked",
  "delegation.expired",
  "agent.circuit_opened",
  "agent.loop_detected",
  "action.postcondition_violated",
  "agent.halted",
  "agent.anomaly_detected",
  "agent.unresponsive",
  "policy.version_published",
  "policy.archived",
] as const satisfies readonly AuditEntryType[];

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

/** Which event an entry is, if any: one case per entry type, so a new type cannot be forgotten. */
function typeOf(entry: EventEntry): EventType | null {
  switch (entry.type) {
    case "action.decided":
      return entry.data.status === "executed"
        ? "action.executed"
        : entry.data.status === "denied"
          ? "action.denied"
          : entry.data.status === "requested"
            ? "approval.requested"
            : null;
    case "approval.vote":
      return "approval.voted";
    case "approval.decided":
    case "approval.cancelled":
      return "approval.decided";
    case "approval.expired":
      return "approval.expired";
    case "delegation.created":
    case "delegation.revoked":
    case "delegation.expired":
      return entry.type;
    case "agent.circuit_opened":
    case "agent.loop_detected":
    case "action.postcondition_violated":
      return "enforcement.triggered";
    case "agent.halted":
      // Only an automatic halt (the anomaly detector's) is an enforcement; a member's halt is not.
      return entry.actor?.type === "system" ? "enforcement.triggered" : null;
    case "agent.anomaly_detected":
      return "anomaly.detected";
    case "agent.unresponsive":
      return "agent.unresponsive";
    case "policy.version_published":
    case "policy.archived":
      return "policy.changed";
    case "action.outcome":
    case "agent.evidence":
    case "run.ended":
    case "budget.released":
    case "approval.vote_refused":
    case "agent.created":
    case "agent.resumed":
    case "agent.circuit_closed":
    case "key.issued":
    case "key.revoked":
    case "key.reissued":
    case "audit.signing_key_created":
    case "audit.signing_key_rotated":
    case "audit.erased":
    case "org.created":
    case "org.renamed":
    case "org.slug_changed":
    case "org.settings_changed":
    case "org.sso_domain_verified":
    case "webhook.endpoint_changed":
    case "integration.changed":
    case "grant.created":
    case "grant.revoked":
    case "member.handover_set":
    case "member.handover_ended":
    case "org.closed":
    case "member.added":
    case "member.invited":
    case "member.joined":
    case "member.role_changed":
    case "member.removed":
    case "member.left":
    case "member.password_reset":
    case "invitation.revoked":
    case "invitation.reissued":
    case "account.password_changed":
    case "account.password_reset":
    case "account.sessions_ended":
      return null;
    default:
      return unknownEntry(entry);
  }
}

/**
 * The end of an exhaustive switch over entry types: the compiler accepts it only when every member of
 * the union has its case (`entry` is `never`). At run time a type the union does not know is no event.
 */
export function unknownEntry(_entry: never): null {
  return null;
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

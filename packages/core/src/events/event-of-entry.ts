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
  "agent.halted",
  "agent.anomaly_detected",
  "policy.version_published",
  "policy.archived",
] as const;

export interface EventEntry {
  id: string;
  seq: number;
  type: string;
  /** Who wrote the entry (an automatic halt is the system's; a member's halt is no event). */
  actor?: { type: string; id: string };
  agentId: string | null;
  time: string;
  data: Record<string, unknown>;
}

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
] as const;

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
      return "enforcement.triggered";
    case "agent.halted":
      // Only an automatic halt (the anomaly detector's) is an enforcement; a member's halt is not.
      return entry.actor?.type === "system" ? "enforcement.triggered" : null;
    case "agent.anomaly_detected":
      return "anomaly.detected";
    case "policy.version_published":
    case "policy.archived":
      return "policy.changed";
    default:
      return null;
  }
}

export function eventOfEntry(entry: EventEntry): GatehouseEvent | null {
  const type = typeOf(entry);
  if (!type) return null;
  const data: GatehouseEvent["data"] = { seq: entry.seq, type, at: entry.time, agentId: entry.agentId };
  for (const key of PICK) if (entry.data[key] !== undefined) data[key] = entry.data[key];
  const policy = entry.data.policy as { name?: unknown } | undefined;
  if (typeof policy?.name === "string") data.policyName = policy.name;
  if (entry.type === "action.decided") data.auditEventId = entry.id;
  if (entry.type === "agent.circuit_opened") data.kind = "circuit_opened";
  if (entry.type === "agent.halted") data.kind = "agent_halted";
  if (type === "enforcement.triggered" && typeof entry.data.name === "string") data.agentName = entry.data.name;
  if (type === "policy.changed") {
    // Which policy, its version (the new one; an archive names the last), and what happened to it.
    if (typeof entry.data.name === "string") data.policyName = entry.data.name;
    if (typeof entry.data.version === "number") data.version = entry.data.version;
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

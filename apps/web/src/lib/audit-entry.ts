// What one audit entry means, in the words the Audit table shows: its result (the decision of a decision,
// the vote of a vote, the outcome an agent reported, what happened to a key or a policy) and who acted.
// Pure: read defensively from the entry's data, so an entry of a type this console does not know still
// reads sensibly. Entry types are the log's union (`AuditEntryType`, packages/core): a type named here
// that the log does not have is a compile error.

import type { AuditEntryType } from "@gatehouse/core";

/** The parts of an audit entry these helpers read (the API's AuditEvent has them all). */
export interface DescribedEntry {
  type: string;
  actorType: string;
  actorId: string;
  agentId: string | null;
  subjectId?: string | null;
  canonical?: string;
  data: Readonly<Record<string, unknown>>;
}

export type Tone = "good" | "bad" | "waiting" | "neutral";

export interface EntryResult {
  label: string;
  tone: Tone;
  /** A longer explanation (the badge's title). */
  hint: string;
}

export type ActorKind = "agent" | "member" | "adminKey" | "system" | "unknown";

export interface EntryActor {
  kind: ActorKind;
  /** What the Actor column says: an agent's name, a member's email, "admin key of …", "system (seed)". */
  label: string;
  /** Ids behind the label (the cell's title). */
  detail: string;
}

/** Who is who, as far as the page knows: agents by id, members (membership id) by email or name. */
export interface ActorDirectory {
  agents?: ReadonlyMap<string, string>;
  members?: ReadonlyMap<string, string>;
}

const text = (value: unknown): string | null => (typeof value === "string" && value.length > 0 ? value : null);

const record = (value: unknown): Record<string, unknown> | null =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

const result = (label: string, tone: Tone, hint: string): EntryResult => ({ label, tone, hint });

const DECISION: Record<string, EntryResult> = {
  executed: result("executed", "good", "Allowed by policy"),
  requested: result("requested", "waiting", "Held for a person's approval"),
  denied: result("denied", "bad", "Blocked"),
};

const APPROVAL_END: Record<string, EntryResult> = {
  approved: result("approved", "good", "The approval reached its quorum: the action went ahead"),
  denied: result("denied", "bad", "An approver denied it: the action was denied"),
  expired: result("expired", "bad", "Nobody decided in time: the action was denied"),
  cancelled: result("cancelled", "neutral", "The agent was halted or the organization closed: the action was denied"),
};

const OUTCOME: Record<string, EntryResult> = {
  success: result("success", "good", "The agent reported that the action succeeded"),
  failure: result("failure", "bad", "The agent reported that the action failed"),
  partial: result("partial", "waiting", "The agent reported that the action partly succeeded"),
};

/** Past tenses of the last segment of a type, for entries without a status of their own. */
const FIXED: Partial<Record<AuditEntryType, EntryResult>> = {
  "key.issued": result("issued", "neutral", "An API key was issued"),
  "key.revoked": result("revoked", "bad", "An API key was revoked"),
  "key.reissued": result("reissued", "neutral", "A retried request issued the key again: the earlier secret stopped working"),
  "policy.archived": result("archived", "neutral", "The policy no longer decides"),
  "agent.created": result("created", "neutral", "A new agent"),
  "agent.halted": result("halted", "bad", "Every decision of the agent is denied until it is resumed"),
  "agent.resumed": result("resumed", "good", "The agent may act again"),
  "agent.circuit_opened": result("circuit open", "bad", "Too many failures: the agent's decisions are denied for a while"),
  "agent.circuit_closed": result("circuit closed", "good", "The agent's circuit breaker closed again"),
  "agent.evidence": result("recorded", "neutral", "The agent recorded what it ran and with what result (its own word)"),
  "agent.unresponsive": result("unresponsive", "bad", "The agent's heartbeat session missed its beats: it stopped answering"),
  "run.ended": result("run ended", "neutral", "The agent ended one of its runs (completed, failed or cancelled)"),
  "budget.released": result("reservation released", "neutral", "No outcome came before the reservation's deadline: what it held against its budgets was given back"),
  "action.postcondition_violated": result("post-condition broken", "bad", "The agent's outcome broke a policy's post-condition"),
  "guardrail.triggered": result("content found", "waiting", "The content screen found secrets or personal data in the call or its outcome (named, never shown)"),
  "budget.threshold": result("budget alert", "waiting", "A call took a budget past one of its alert ratios in this window"),
  "budget.exceeded": result("budget exceeded", "bad", "A budget refused a call, or held it for a person, for the first time in this window"),
  "agent.loop_detected": result("loop refused", "bad", "The agent repeated the same call past its loop limit: it is refused until the window passes"),
  "org.created": result("created", "neutral", "The organization was created"),
  "org.settings_changed": result("changed", "neutral", "The organization's settings changed"),
  "webhook.endpoint_changed": result("webhook changed", "neutral", "A webhook endpoint was created, changed, paused, resumed, given a new secret or deleted"),
  "mcp.server_changed": result("MCP server changed", "neutral", "An MCP server was registered for the org's gateways, changed or deleted (its credential is never shown)"),
  "mcp.gateway_changed": result("MCP gateway changed", "neutral", "An MCP gateway was created, given other servers or settings, or deleted"),
  "mcp.connected": result("MCP session opened", "neutral", "An agent connected to an MCP gateway"),
  "mcp.disconnected": result("MCP session closed", "neutral", "An agent's MCP gateway session ended"),
  "mcp.error": result("MCP server failed", "bad", "An MCP server behind a gateway could not be reached or answered wrongly"),
  "mcp.catalog_pinned": result("MCP tools pinned", "neutral", "A gateway saw an MCP server's tools for the first time and pinned their definitions"),
  "mcp.catalog_accepted": result("MCP tool accepted", "good", "An admin accepted an MCP tool's changed or new definition: gateways offer it again"),
  "mcp.catalog_changed": result(
    "MCP tools changed",
    "waiting",
    "An MCP server's tool definitions differ from the pinned ones: the changed tools are held until an admin accepts them",
  ),
  "content.detector_changed": result(
    "detector changed",
    "neutral",
    "One of the org's own content detectors was added, changed or deleted (its pattern and keywords as keyed fingerprints: the same text gives the same fingerprint in this org)",
  ),
  "member.handover_set": result("hand-over", "neutral", "A member away handed their approvals to a colleague until a time"),
  "member.handover_ended": result("hand-over ended", "neutral", "A member ended their hand-over early"),
  "grant.created": result("grant given", "waiting", "An approver let the agent's matching calls through without a person, for a while or a number of calls"),
  "grant.revoked": result("grant revoked", "neutral", "A standing grant was revoked: matching calls wait for a person again"),
  "integration.changed": result(
    "integration changed",
    "neutral",
    "A Slack app was connected to the organization or replaced (live once Slack verified it), verified by Slack, or disconnected",
  ),
  "org.closed": result("closed", "bad", "The organization was closed: its keys stopped working and it is read-only"),
  "member.added": result("added", "neutral", "A member joined the organization"),
  "member.joined": result("joined", "neutral", "A member joined the organization"),
  "approval.vote_refused": result("vote refused", "bad", "The member may not approve this request (their own, or one they are excluded from): nothing was counted"),
  "member.removed": result("removed", "neutral", "A member left the organization"),
  "member.password_reset": result("password reset", "neutral", "A member's password was set"),
  "audit.signing_key_created": result("key created", "neutral", "The organization's first signing key"),
  "audit.signing_key_rotated": result("key rotated", "neutral", "A new signing key signs the checkpoints from now on"),
  "audit.report_generated": result("report", "neutral", "A report was drawn from the log (Audit → Reports), for the period and checkpoint it names"),
  "audit.erased": result("erased", "neutral", "An owner erased the values of committed fields (personal or secret data); the log stays verifiable"),
  "audit.pruned": result("dropped", "neutral", "The oldest entries were dropped under the org's retention; the log now starts later and the rest stays verifiable"),
};

/** The result an entry records, for every entry type; null only when there is nothing to say. */
export function entryResult(entry: DescribedEntry): EntryResult | null {
  const { data } = entry;
  const status = text(data.status);
  const type = entry.type as AuditEntryType;
  switch (type) {
    case "action.decided":
      return (status && DECISION[status]) || null;
    case "approval.vote": {
      const decision = text(data.decision);
      if (decision === "approve") return result("approve", "good", voteHint("Voted to approve", data));
      if (decision === "deny") return result("deny", "bad", voteHint("Voted to deny", data));
      return null;
    }
    case "approval.decided":
    case "approval.expired":
    case "approval.cancelled": {
      const end = status ?? type.slice("approval.".length);
      return APPROVAL_END[end] ?? result(end, "neutral", "The approval ended");
    }
    case "action.outcome":
      return (status && OUTCOME[status]) || (status ? result(status, "neutral", "The outcome the agent reported") : null);
    case "policy.version_published": {
      const version = data.version;
      return result(typeof version === "number" ? `published v${version}` : "published", "neutral", "A new version of the policy decides from now on");
    }
  }
  const fixed = FIXED[type];
  if (fixed) return fixed;
  if (status) return result(status, "neutral", status);
  // An unknown type: its last segment, "thing.something_done" → "something done".
  const last = entry.type.split(".").pop() ?? "";
  return last ? result(last.replaceAll("_", " "), "neutral", entry.type) : null;
}

function voteHint(verb: string, data: Readonly<Record<string, unknown>>): string {
  const approvals = data.approvals;
  const quorum = data.quorum;
  return typeof approvals === "number" && typeof quorum === "number" ? `${verb} (${approvals} of ${quorum} approvals after this vote)` : verb;
}

/** The actor as the entry's canonical text records it (an admin key names its member there). */
function canonicalActor(entry: DescribedEntry): Record<string, unknown> | null {
  if (!entry.canonical) return null;
  try {
    return record(record(JSON.parse(entry.canonical))?.actor);
  } catch {
    return null;
  }
}

/**
 * A member's email as the entry's own data names it: a vote names its voter, a decision its decider,
 * and an entry about the member itself (`member.joined`, its subject) carries the email at the top.
 */
function memberFromData(entry: DescribedEntry, membershipId: string): string | null {
  const { data } = entry;
  for (const key of ["member", "decidedBy"]) {
    const member = record(data[key]);
    if (member && text(member.id) === membershipId) return text(member.email) ?? text(member.name);
  }
  return entry.subjectId === membershipId ? text(data.email) : null;
}

/** Who acted: an agent (by name), a member (by email), an admin key (of which member), or the system. */
export function entryActor(entry: DescribedEntry, directory: ActorDirectory = {}): EntryActor {
  const { actorType, actorId, data } = entry;
  switch (actorType) {
    case "agent": {
      const name = directory.agents?.get(actorId) ?? (actorId === entry.agentId ? text(data.agentName) : null);
      // A delegate's entry names its agents, root first and itself last (`agentChain`): show who delegated to it.
      const chain = canonicalActor(entry)?.agentChain;
      const delegators = Array.isArray(chain)
        ? chain
            .slice(0, -1)
            .filter((id): id is string => typeof id === "string")
            .reverse()
        : [];
      if (delegators.length > 0) {
        const names = delegators.map((id) => directory.agents?.get(id) ?? id).join(" ← ");
        return { kind: "agent", label: `${name ?? actorId}, delegated by ${names}`, detail: `agent ${actorId} · delegated by ${delegators.join(" ← ")}` };
      }
      return { kind: "agent", label: name ?? actorId, detail: `agent ${actorId}` };
    }
    case "member": {
      const who = directory.members?.get(actorId) ?? memberFromData(entry, actorId);
      return { kind: "member", label: who ?? `member ${actorId}`, detail: `member ${actorId}` };
    }
    case "adminKey": {
      const memberId = text(canonicalActor(entry)?.memberId);
      const who = memberId ? (directory.members?.get(memberId) ?? memberFromData(entry, memberId)) : null;
      return { kind: "adminKey", label: `admin key of ${who ?? memberId ?? "a member"}`, detail: `admin key ${actorId}${memberId ? ` · member ${memberId}` : ""}` };
    }
    case "system":
      return { kind: "system", label: `system (${actorId})`, detail: `system: ${actorId}` };
    default:
      return { kind: "unknown", label: `${actorType} ${actorId}`, detail: `${actorType} ${actorId}` };
  }
}

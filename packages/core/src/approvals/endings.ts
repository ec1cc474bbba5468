import type { ActorRef, AuditEntryInput } from "../audit/entry";
import { APPROVAL_DENIAL_REASON } from "./approval-rules";

/** An approval leaving `pending`, with what ends it. */
export interface Ending {
  approvalId: string;
  actionId: string;
  agentId: string;
  actionType: string;
  status: "approved" | "denied" | "expired" | "cancelled";
  /** The reviewer's reason (decided) or the halt's reason (cancelled). */
  reason: string | null;
  decidedBy: { id: string; email: string } | null;
  /** The action's denial when it is not the status's own (a cancellation by a revoked delegation: DELEGATION_REVOKED). */
  denialReason?: string;
}

/** The denial an ending gives its action: none when approved. */
export function endingDenial(e: Ending): string | null {
  return e.status === "approved" ? null : (e.denialReason ?? APPROVAL_DENIAL_REASON[e.status]);
}

/** The audit entry of each ending. */
export function endingEntries(endings: readonly Ending[], actor: ActorRef): AuditEntryInput[] {
  return endings.map((e): AuditEntryInput => {
    const denialReason = endingDenial(e);
    const head = { actor, agentId: e.agentId, subjectId: e.approvalId };
    const data = {
      approvalId: e.approvalId,
      actionId: e.actionId,
      actionType: e.actionType,
      ...(denialReason ? { denialReason } : {}),
      ...(e.reason ? { reason: e.reason } : {}),
      ...(e.decidedBy ? { decidedBy: e.decidedBy } : {}),
    };
    switch (e.status) {
      case "approved":
      case "denied":
        return { ...head, type: "approval.decided", data: { ...data, status: e.status } };
      case "expired":
        return { ...head, type: "approval.expired", data: { ...data, status: e.status } };
      case "cancelled":
        return { ...head, type: "approval.cancelled", data: { ...data, status: e.status } };
    }
  });
}

/** A pending approval a halt would cancel (read under the org's log lock, with its action's type). */
export interface PendingApproval {
  approvalId: string;
  actionId: string;
  agentId: string;
  actionType: string;
}

/** What halting an agent by the system writes: the agent's new state, its `agent.halted` entry, and its (and its delegates') pending approvals cancelled. */
export interface SystemHalt {
  agentId: string;
  /** The system part that halted it (`agents.halted_by_system`; the entries' actor). */
  by: string;
  reason: string;
  /** The cancellations, for their settlement and for announcing to their waiters. */
  endings: Ending[];
  /** The `agent.halted` entry, then one per cancelled approval. */
  entries: AuditEntryInput[];
}

/**
 * A halt by the system, pure: the one shape every system halt writes (a loop, a broken post-condition, an
 * anomaly), whether in a decision's commit or in a transaction of its own (packages/db agents/halt-by-system.ts).
 */
export function systemHalt(agent: { id: string; name: string }, by: string, reason: string, pending: readonly PendingApproval[]): SystemHalt {
  const actor: ActorRef = { type: "system", id: by };
  const endings = pending.map((p): Ending => ({ ...p, status: "cancelled", reason, decidedBy: null }));
  return {
    agentId: agent.id,
    by,
    reason,
    endings,
    entries: [{ type: "agent.halted", actor, agentId: agent.id, subjectId: agent.id, data: { name: agent.name, reason } }, ...endingEntries(endings, actor)],
  };
}

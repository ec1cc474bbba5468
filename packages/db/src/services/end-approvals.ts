import { APPROVAL_DENIAL_REASON, type ActorRef, type AuditEntryInput } from "@gatehouse/core";
import type { Tx } from "../client";

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
}

const ENTRY_TYPE = { approved: "approval.decided", denied: "approval.decided", expired: "approval.expired", cancelled: "approval.cancelled" } as const;

/**
 * Ends approvals inside the caller's transaction (which holds their rows FOR UPDATE): sets their
 * status, settles their actions (approved → executed; otherwise denied with DENIED_BY_REVIEWER,
 * APPROVAL_EXPIRED or AGENT_HALTED, so an expiry never reads as a human denial) and returns the audit
 * entries the caller appends in the same transaction.
 */
export async function endApprovals(tx: Tx, orgId: string, endings: readonly Ending[], actor: ActorRef, now: Date): Promise<AuditEntryInput[]> {
  if (endings.length === 0) return [];
  const denialOf = (e: Ending) => (e.status === "approved" ? null : APPROVAL_DENIAL_REASON[e.status]);
  await tx.$executeRawUnsafe(
    `UPDATE approvals AS a SET status = x.status::approval_status, decided_at = $4, decision_reason = x.reason, updated_at = $4
     FROM unnest($1::text[], $2::text[], $3::text[]) AS x(id, status, reason)
     WHERE a.id = x.id AND a.org_id = $5 AND a.status = 'pending'`,
    endings.map((e) => e.approvalId),
    endings.map((e) => e.status),
    endings.map((e) => e.reason),
    now,
    orgId,
  );
  await tx.$executeRawUnsafe(
    `UPDATE actions AS c SET status = x.status::action_status, denial_reason = x.denial,
       result = (c.result - 'denialReason') || jsonb_build_object('status', x.status)
         || CASE WHEN x.denial IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('denialReason', x.denial) END
     FROM unnest($1::text[], $2::text[], $3::text[]) AS x(id, status, denial)
     WHERE c.id = x.id AND c.org_id = $4`,
    endings.map((e) => e.actionId),
    endings.map((e) => (e.status === "approved" ? "executed" : "denied")),
    endings.map(denialOf),
    orgId,
  );
  return endings.map((e) => {
    const denialReason = denialOf(e);
    return {
      type: ENTRY_TYPE[e.status],
      actor,
      agentId: e.agentId,
      subjectId: e.approvalId,
      data: {
        approvalId: e.approvalId,
        actionId: e.actionId,
        actionType: e.actionType,
        status: e.status,
        ...(denialReason ? { denialReason } : {}),
        ...(e.reason ? { reason: e.reason } : {}),
        ...(e.decidedBy ? { decidedBy: e.decidedBy } : {}),
      },
    };
  });
}

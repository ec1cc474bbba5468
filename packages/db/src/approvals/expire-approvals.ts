import type { ActorRef } from "@gatehouse/core";
import { lockAuditLog } from "../audit/lock-audit-log";
import { db, TX_OPTIONS } from "../infra/client";
import { announceApprovals } from "./announce-approvals";
import { endUndecided } from "./end-approvals";

const EXPIRY_ACTOR: ActorRef = { type: "system", id: "approval-expiry" };

/**
 * Records the expiry of those of `approvalIds` (all of the org's, when omitted) that are pending past
 * their deadline: status `expired`, the action denied with APPROVAL_EXPIRED, an audit entry each,
 * then their waiters woken. Safe to run from every instance at once: rows are taken FOR UPDATE and
 * re-checked, so each expiry is recorded exactly once. Returns the ids it expired.
 */
/** Whether any of the org's (or of `ids`') approvals is overdue, by the placeholders of its org, its time and its ids (an array of text). */
export function overdueSql(org: string, at: string, ids?: string): string {
  return `SELECT 1 FROM approvals WHERE org_id = ${org} AND status = 'pending' AND expires_at <= ${at} ${ids ? `AND id = ANY(${ids}::text[])` : ""} LIMIT 1`;
}

export async function expireApprovals(orgId: string, approvalIds?: readonly string[], limit = 500): Promise<string[]> {
  // The common case, nothing overdue, costs one indexed read instead of a transaction on the log's lock
  // (through the pool: a bulk decision checks a thousand ids here).
  const { rows: overdue } = await db().pool.query(overdueSql("$1", "$2", approvalIds ? "$3" : undefined), [orgId, new Date(), ...(approvalIds ? [[...approvalIds]] : [])]);
  if (overdue.length === 0) return [];
  const expired = await db().$transaction(async (tx) => {
    await lockAuditLog(tx, orgId);
    const now = new Date();
    const rows = await tx.$queryRawUnsafe<Array<{ id: string; agent_id: string; action_id: string; action_type: string }>>(
      `SELECT a.id, a.agent_id, a.action_id, c.action_type
       FROM approvals a JOIN actions c ON c.id = a.action_id
       WHERE a.org_id = $1 AND a.status = 'pending' AND a.expires_at <= $2 ${approvalIds ? "AND a.id = ANY($4::text[])" : ""}
       ORDER BY a.id LIMIT $3 FOR UPDATE OF a SKIP LOCKED`,
      ...[orgId, now, limit, ...(approvalIds ? [approvalIds] : [])],
    );
    return endUndecided(tx, orgId, rows, { status: "expired", reason: null }, EXPIRY_ACTOR);
  }, TX_OPTIONS);
  await announceApprovals(orgId, expired);
  return expired;
}

/** One sweep over every org: expires what is overdue (the worker runs this every second). */
export async function expireDueApprovals(): Promise<number> {
  const due = await db().$queryRaw<Array<{ org_id: string }>>`
    SELECT DISTINCT org_id FROM approvals WHERE status = 'pending' AND expires_at <= now() LIMIT 100`;
  let total = 0;
  for (const { org_id } of due) total += (await expireApprovals(org_id)).length;
  return total;
}

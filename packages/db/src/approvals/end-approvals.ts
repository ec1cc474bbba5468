import { endingDenial, endingEntries, type ActorRef, type Ending } from "@gatehouse/core";
import { appendAuditEntries } from "../audit/append-audit-entries";
import type { Tx } from "../infra/client";
import type { Bind } from "../audit/log-store";

/**
 * Ends approvals inside the caller's transaction (which holds their rows FOR UPDATE): sets their
 * status and settles their actions (approved → executed; otherwise denied with DENIED_BY_REVIEWER,
 * APPROVAL_EXPIRED or AGENT_HALTED, so an expiry never reads as a human denial). Callers run it last,
 * after appending `endingEntries`, so `decided_at` (the statement's clock) is as close to the commit
 * as the transaction can know.
 */
export async function settleEndings(tx: Tx, orgId: string, endings: readonly Ending[]): Promise<void> {
  if (endings.length === 0) return;
  // One statement (one round trip) for both tables, however many approvals end.
  const values: unknown[] = [];
  const [settle] = endingsWrite(orgId, endings);
  const cte = settle?.((value) => `$${values.push(value)}`) ?? "";
  await tx.$executeRawUnsafe(`WITH ${cte} SELECT 1`, ...values);
}

/**
 * `settleEndings` as common table expressions of a larger statement (an append's, appendAuditEntries'
 * `alongside`): both tables in one, none when nothing ends.
 */
export function endingsWrite(orgId: string, endings: readonly Ending[]): Array<(bind: Bind) => string> {
  if (endings.length === 0) return [];
  return [
    (bind) => `settled_actions AS (
       UPDATE actions AS c SET status = x.status::action_status, denial_reason = x.denial,
         result = (c.result - 'denialReason') || jsonb_build_object('status', x.status)
           || CASE WHEN x.denial IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('denialReason', x.denial) END
       FROM unnest(${bind(endings.map((e) => e.actionId))}::text[], ${bind(endings.map((e) => (e.status === "approved" ? "executed" : "denied")))}::text[], ${bind(endings.map(endingDenial))}::text[]) AS x(id, status, denial)
       WHERE c.id = x.id AND c.org_id = ${bind(orgId)}
     ), settled_approvals AS (
       UPDATE approvals AS a SET status = x.status::approval_status, decided_at = clock_timestamp(), decision_reason = x.reason, updated_at = clock_timestamp(),
         -- The requester as the call named them is kept only while separation of duties may need it.
         requester_ref = NULL
       FROM unnest(${bind(endings.map((e) => e.approvalId))}::text[], ${bind(endings.map((e) => e.status))}::text[], ${bind(endings.map((e) => e.reason))}::text[]) AS x(id, status, reason)
       WHERE a.id = x.id AND a.org_id = ${bind(orgId)} AND a.status = 'pending'
     )`,
  ];
}

/** A pending approval the caller's query locked FOR UPDATE, with its action's type. */
export interface PendingApprovalRow {
  id: string;
  agent_id: string;
  action_id: string;
  action_type: string;
}

/**
 * Ends locked pending approvals that no reviewer decided — expired, or cancelled by a halt, a revoked
 * delegation or the org's closing — inside the caller's transaction: their audit entries (by `by`),
 * then their settlement. Answers their ids, for the caller to announce after the commit.
 */
export async function endUndecided(
  tx: Tx,
  orgId: string,
  rows: readonly PendingApprovalRow[],
  end: { status: "expired" | "cancelled"; reason: string | null; denialReason?: string },
  by: ActorRef,
): Promise<string[]> {
  if (rows.length === 0) return [];
  const endings = rows.map((r): Ending => ({ approvalId: r.id, actionId: r.action_id, agentId: r.agent_id, actionType: r.action_type, decidedBy: null, ...end }));
  await appendAuditEntries(tx, orgId, endingEntries(endings, by));
  await settleEndings(tx, orgId, endings);
  return rows.map((r) => r.id);
}

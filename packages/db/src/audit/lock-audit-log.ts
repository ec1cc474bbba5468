import type { Tx } from "../infra/client";

/**
 * Takes the org's log-head lock now, for a transaction that must lock other rows before it appends.
 * Lock order everywhere: the log head first, then approvals — so a halt, a vote and an expiry
 * touching the same approval queue behind each other instead of deadlocking.
 */
export async function lockAuditLog(tx: Tx, orgId: string): Promise<void> {
  await tx.$queryRaw`SELECT 1 FROM audit_log_heads WHERE org_id = ${orgId} FOR UPDATE`;
}

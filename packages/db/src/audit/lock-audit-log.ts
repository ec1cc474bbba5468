import type { Tx } from "../infra/client";
import { lockHeadStatement } from "./log-store";
import { readLockedHead, txQuery, type LockedHead } from "./append-audit-entries";

/**
 * Takes the org's log-head lock now, for a transaction that must lock other rows before it appends.
 * Lock order everywhere: the log head first, then approvals — so a halt, a vote and an expiry
 * touching the same approval queue behind each other instead of deadlocking.
 */
export async function lockAuditLog(tx: Tx, orgId: string): Promise<void> {
  await tx.$queryRawUnsafe(lockHeadStatement(), orgId);
}

/**
 * `lockAuditLog` that also reads the head (with the org's closing and settings), for a transaction that
 * appends once after locking its other rows: pass it to appendAuditEntries as `locked`.
 */
export async function lockAuditLogHead(tx: Tx, orgId: string): Promise<LockedHead | undefined> {
  return readLockedHead(txQuery(tx), orgId);
}

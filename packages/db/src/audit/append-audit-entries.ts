import { GENESIS_CHAIN_HASH, type AuditEntryInput, type SealedAuditEntry } from "@gatehouse/core";
import { appendStatement, lockLogHead, sealBatch, type Query } from "../audit-tree";
import type { Tx } from "../client";

/** Raw SQL through the caller's Prisma transaction. */
export function txQuery(tx: Tx): Query {
  return <R>(text: string, values: unknown[]) => tx.$queryRawUnsafe<R[]>(text, ...values);
}

/**
 * Appends entries to the org's log inside the caller's transaction. The org's log head row is locked
 * (FOR UPDATE) so appends serialize per org: sequence numbers are consecutive, each chain hash
 * covers the previous one, and the Merkle nodes the entries complete are stored with them. If the
 * transaction rolls back, so does the append.
 */
export async function appendAuditEntries(tx: Tx, orgId: string, entries: readonly AuditEntryInput[]): Promise<SealedAuditEntry[]> {
  if (entries.length === 0) return [];
  const query = txQuery(tx);
  const batch = sealBatch(orgId, await lockLogHead(query, orgId), entries, new Date());
  const statement = appendStatement(orgId, batch);
  await tx.$executeRawUnsafe(statement.text, ...statement.values);
  return batch.entries;
}

export async function appendAuditEntry(tx: Tx, orgId: string, entry: AuditEntryInput): Promise<SealedAuditEntry> {
  const [sealed] = await appendAuditEntries(tx, orgId, [entry]);
  if (!sealed) throw new Error("audit append returned nothing");
  return sealed;
}

export const GENESIS = GENESIS_CHAIN_HASH;

/**
 * Takes the org's log-head lock now, for a transaction that must lock other rows before it appends.
 * Lock order everywhere: the log head first, then approvals — so a halt, a vote and an expiry
 * touching the same approval queue behind each other instead of deadlocking.
 */
export async function lockAuditLog(tx: Tx, orgId: string): Promise<void> {
  await tx.$queryRaw`SELECT 1 FROM audit_log_heads WHERE org_id = ${orgId} FOR UPDATE`;
}

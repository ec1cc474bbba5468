import { GENESIS_CHAIN_HASH, newId, sealAuditEntry, type AuditEntryInput, type SealedAuditEntry } from "@gatehouse/core";
import type { Tx } from "../client";

/**
 * Appends entries to the org's log inside the caller's transaction. The org's log head row is locked
 * (FOR UPDATE) so appends serialize per org: sequence numbers are consecutive and each chain hash
 * covers the previous one. If the transaction rolls back, so does the append.
 */
export async function appendAuditEntries(tx: Tx, orgId: string, entries: readonly AuditEntryInput[]): Promise<SealedAuditEntry[]> {
  const heads = await tx.$queryRaw<Array<{ size: bigint; chain_hash: string }>>`
    SELECT size, chain_hash FROM audit_log_heads WHERE org_id = ${orgId} FOR UPDATE`;
  const head = heads[0];
  if (!head) throw new Error(`audit log head missing for org ${orgId}`);
  let seq = Number(head.size);
  let previous = head.chain_hash;
  const createdAt = new Date();
  const sealed = entries.map((entry) => {
    const next = sealAuditEntry({ id: newId("audit"), orgId, seq, previousChainHash: previous, createdAt, entry });
    seq += 1;
    previous = next.chainHash;
    return next;
  });
  await tx.auditEntry.createMany({
    data: sealed.map((entry) => ({
      id: entry.id,
      orgId,
      seq: BigInt(entry.seq),
      type: entry.type,
      actorType: entry.actor.type,
      actorId: entry.actor.id,
      subjectId: entry.subjectId,
      agentId: entry.agentId,
      canonical: entry.canonical,
      leafHash: entry.leafHash,
      chainHash: entry.chainHash,
      createdAt: entry.createdAt,
    })),
  });
  await tx.auditLogHead.update({ where: { orgId }, data: { size: BigInt(seq), chainHash: previous } });
  return sealed;
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

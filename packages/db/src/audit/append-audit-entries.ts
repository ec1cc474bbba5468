import { GENESIS_CHAIN_HASH, type AuditEntryInput, type SealedAuditEntry } from "@gatehouse/core";
import type { Tx } from "../infra/client";
import { appendStatement, lockLogHead, sealBatch, type Query } from "./log-store";

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

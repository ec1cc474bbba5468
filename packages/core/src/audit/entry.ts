import { canonicalize } from "./canonical-json";
import type { AuditEntryPayload } from "./entry-types";
import { chainHash, leafHash } from "./hashing";

/**
 * Who did something. Agents carry their delegation chain (ids of delegations, root first); a delegate
 * also carries `agentChain`, the ids of its agents from the root to itself.
 */
export type ActorRef =
  | { type: "agent"; id: string; delegationChain?: string[]; agentChain?: string[] }
  | { type: "member"; id: string }
  | { type: "adminKey"; id: string; memberId: string }
  | { type: "system"; id: string };

/** An entry to append: one member of the union of entry types (`type` and its `data`), with who and what it is about. */
export type AuditEntryInput = AuditEntryPayload & {
  actor: ActorRef;
  agentId?: string | null;
  subjectId?: string | null;
};

/**
 * What sealing hashes: any entry, typed or not. Sealing sits below the union (the verifier and the
 * hashing rules know nothing of entry types); what is appended goes through `AuditEntryInput`.
 */
export interface SealableEntry {
  type: string;
  actor: ActorRef;
  agentId?: string | null;
  subjectId?: string | null;
  data: Record<string, unknown>;
}

export interface SealedAuditEntry {
  id: string;
  seq: number;
  type: string;
  actor: ActorRef;
  agentId: string | null;
  subjectId: string | null;
  createdAt: Date;
  canonical: string;
  leafHash: string;
  chainHash: string;
}

/**
 * Fixes an entry's place in its org's log: the canonical text binds id, org, position, time, actor
 * and data, so moving, editing or re-dating an entry changes its leaf hash.
 */
export function sealAuditEntry(args: { id: string; orgId: string; seq: number; previousChainHash: string; createdAt: Date; entry: SealableEntry }): SealedAuditEntry {
  const { id, orgId, seq, previousChainHash, createdAt, entry } = args;
  const canonical = canonicalize({
    v: 1,
    id,
    orgId,
    seq,
    type: entry.type,
    actor: entry.actor,
    agentId: entry.agentId ?? null,
    subjectId: entry.subjectId ?? null,
    time: createdAt.toISOString(),
    data: entry.data,
  });
  const leaf = leafHash(canonical);
  return {
    id,
    seq,
    type: entry.type,
    actor: entry.actor,
    agentId: entry.agentId ?? null,
    subjectId: entry.subjectId ?? null,
    createdAt,
    canonical,
    leafHash: leaf,
    chainHash: chainHash(previousChainHash, leaf),
  };
}

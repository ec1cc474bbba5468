import { pooledRandomBytes } from "../random-pool";
import { canonicalize } from "@gatehouse/tlog/portable";
import { ERASABLE_FIELDS, fieldDigestInput } from "./erasable-fields";
import type { AuditEntryPayload, AuditEntryType } from "./entry-types";
import { chainHash, leafHash, sha256Hex } from "./hashing";

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
  /** Second format: the committed fields' values and salts, kept beside the entry (erasable-fields.ts). */
  fields?: Record<string, { canonical: string; salt: string }>;
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

/** 16 random bytes, hex: a committed field's salt. */
function randomSalt(): string {
  return pooledRandomBytes(16).toString("hex");
}

/**
 * Fixes an entry's place in its org's log: the canonical text binds id, org, position, time, actor
 * and data, so moving, editing or re-dating an entry changes its leaf hash.
 *
 * Second format (`v: 2`, docs/adr/0023-erasure.md): when the entry's type has erasable fields
 * (ERASABLE_FIELDS) and the entry holds any, `data` leaves them out and `sealed` holds, per field, the
 * hex SHA-256 of fieldDigestInput(name, salt, its RFC 8785 text); the values and salts come back in
 * `fields`, to be stored beside the entry. The leaf hash covers the digests, so erasing a value later
 * changes no hash, checkpoint or proof. Other entries keep the first format (`v: 1`).
 */
export function sealAuditEntry(args: {
  id: string;
  orgId: string;
  seq: number;
  previousChainHash: string;
  createdAt: Date;
  entry: SealableEntry;
  /** The salts of committed fields (tests pass their own). */
  salt?: () => string;
  /** 1: the first format whatever the type (re-sealing an entry written before the second existed). */
  format?: 1 | 2;
}): SealedAuditEntry {
  const { id, orgId, seq, previousChainHash, createdAt, entry } = args;
  const erasable = args.format === 1 ? undefined : ERASABLE_FIELDS[entry.type as AuditEntryType];
  let data = entry.data;
  let sealed: Record<string, string> | undefined;
  let fields: Record<string, { canonical: string; salt: string }> | undefined;
  if (erasable) {
    for (const name of Object.keys(erasable)) {
      const value = entry.data[name];
      if (value === undefined) continue;
      const canonical = canonicalize(value);
      const salt = (args.salt ?? randomSalt)();
      sealed ??= {};
      fields ??= {};
      sealed[name] = sha256Hex(fieldDigestInput(name, salt, canonical));
      fields[name] = { canonical, salt };
    }
    if (sealed) data = Object.fromEntries(Object.entries(entry.data).filter(([name]) => !Object.hasOwn(erasable, name)));
  }
  const canonical = canonicalize({
    v: sealed ? 2 : 1,
    id,
    orgId,
    seq,
    type: entry.type,
    actor: entry.actor,
    agentId: entry.agentId ?? null,
    subjectId: entry.subjectId ?? null,
    time: createdAt.toISOString(),
    data,
    ...(sealed ? { sealed } : {}),
  });
  const leaf = leafHash(canonical);
  return {
    ...(fields ? { fields } : {}),
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

import { fieldDigestInput } from "@gatehouse/tlog";
import type { AuditEntryType } from "./entry-types";

/**
 * The fields of an entry type that may hold personal or secret data (docs/adr/0023-erasure.md): an
 * entry of the second format commits to each by a salted digest inside its hashed text and keeps the
 * value beside it, so an owner can erase the value and the log still verifies. Each with what it reads
 * as once erased (undefined: left out). Adding a field here changes the format of new entries only.
 */
export const ERASABLE_FIELDS: Partial<Record<AuditEntryType, Readonly<Record<string, unknown>>>> = {
  "action.decided": { metadata: {}, dataAccessed: [], conditionsEvaluated: [] },
  "action.outcome": { message: undefined, data: undefined },
  "action.postcondition_violated": { conditionsEvaluated: [] },
  "agent.evidence": { details: {} },
};

/** A committed field as stored beside its entry: its RFC 8785 text and salt, or its erasure. */
export type StoredField = { canonical: string; salt: string } | { erased: { seq: number } };
export type StoredFields = Record<string, StoredField>;

/** The bundle line's form of an entry's stored fields (tlog's sealedFieldsProblem checks it). */
export function bundleFieldsOf(stored: StoredFields | null | undefined): {
  fields?: Record<string, { canonical: string; salt: string }>;
  erased?: Record<string, { seq: number }>;
} {
  if (!stored) return {};
  const fields: Record<string, { canonical: string; salt: string }> = {};
  const erased: Record<string, { seq: number }> = {};
  for (const [name, field] of Object.entries(stored)) {
    if ("erased" in field) erased[name] = { seq: field.erased.seq };
    else fields[name] = { canonical: field.canonical, salt: field.salt };
  }
  return { ...(Object.keys(fields).length > 0 ? { fields } : {}), ...(Object.keys(erased).length > 0 ? { erased } : {}) };
}

/** What a reader of an entry sees: its canonical text parsed, with the committed fields back in `data`, and which were erased. */
export interface OpenedEntry {
  v: number;
  id: string;
  seq: number;
  type: string;
  time: string;
  actor: { type: string; id: string; [key: string]: unknown };
  agentId: string | null;
  subjectId: string | null;
  data: Record<string, unknown>;
  /** The fields an owner erased (they read as ERASABLE_FIELDS says), by name with the erasure entry's seq. */
  erased?: Record<string, number>;
}

/**
 * An entry as readers use it (the audit listing, the event stream, exports as CSV, the typed-entry
 * check): a first-format entry as it is; a second-format one with each committed field's value back
 * in `data`, and an erased one as ERASABLE_FIELDS says, named in `erased`. A field whose value is
 * missing reads as erased (a verification names what is wrong with it).
 */
export function openEntry(canonical: string, stored: StoredFields | null | undefined): OpenedEntry {
  const parsed = JSON.parse(canonical) as OpenedEntry & { sealed?: Record<string, string> };
  if (parsed.v !== 2 || !parsed.sealed) return parsed;
  const { sealed, ...entry } = parsed;
  const data: Record<string, unknown> = { ...entry.data };
  const erased: Record<string, number> = {};
  const asErased = ERASABLE_FIELDS[entry.type as AuditEntryType] ?? {};
  for (const name of Object.keys(sealed)) {
    const field = stored?.[name];
    if (field && "canonical" in field) data[name] = JSON.parse(field.canonical) as unknown;
    else {
      erased[name] = field && "erased" in field ? field.erased.seq : -1;
      if (asErased[name] !== undefined) data[name] = structuredClone(asErased[name]);
    }
  }
  return { ...entry, data, ...(Object.keys(erased).length > 0 ? { erased } : {}) };
}

export { fieldDigestInput };

// Erasure in the console (docs/adr/0023-erasure.md): which of an entry's committed fields still hold a
// value and which an owner erased, and the request the Audit page's "Erase personal data" sends.
// Pure: entries are read defensively (an entry of the first format commits to no field), and the
// request is checked as the route's contract checks it (AuditErasureRequest), so the confirmation
// step only ever describes a request the server would take — the server checks it again.

import type { AuditErasure, AuditErasureBody, AuditErasureOutcome } from "@gatehouse/contracts";
import { countOf } from "./format";

export type { AuditErasure, AuditErasureBody, AuditErasureOutcome };

/** The parts of an audit entry these helpers read (the API's AuditEvent has them). */
export interface ErasableEntry {
  canonical: string;
  data: Readonly<Record<string, unknown>>;
  erased?: Readonly<Record<string, number>>;
}

/** An erased field and the seq of the `audit.erased` entry that erased it. */
export interface ErasedField {
  field: string;
  seq: number;
}

/** The fields an owner erased from the entry, by name. */
export function erasedFieldsOf(entry: Pick<ErasableEntry, "erased">): ErasedField[] {
  return Object.entries(entry.erased ?? {})
    .filter(([, seq]) => Number.isSafeInteger(seq))
    .map(([field, seq]) => ({ field, seq }))
    .sort((a, b) => a.field.localeCompare(b.field));
}

/** The fields the entry committed to by salted digest (its `sealed`, second format); none for the first format. */
export function sealedFieldsOf(entry: Pick<ErasableEntry, "canonical">): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(entry.canonical);
  } catch {
    return [];
  }
  const sealed = typeof parsed === "object" && parsed !== null ? (parsed as { sealed?: unknown }).sealed : undefined;
  if (typeof sealed !== "object" || sealed === null || Array.isArray(sealed)) return [];
  return Object.keys(sealed).sort();
}

/** A value that holds something: not absent, not "", not [] and not {}. */
const holdsSomething = (value: unknown): boolean =>
  value !== undefined && value !== null && value !== "" && !(Array.isArray(value) && value.length === 0) && !(typeof value === "object" && Object.keys(value).length === 0);

/** The committed fields that still hold a value to erase (an empty list of data accessed holds nothing). */
export function erasableFieldsOf(entry: ErasableEntry): string[] {
  const erased = entry.erased ?? {};
  return sealedFieldsOf(entry).filter((field) => !Object.hasOwn(erased, field) && holdsSomething(entry.data[field]));
}

/** "erased by entry #1204". */
export const erasedByText = (seq: number) => `erased by entry #${seq}`;

export const ENTRY_ID_PATTERN = /^aud_[A-Za-z0-9]{1,64}$/;
// The route's bounds (the contract's ERASURE_MAX_ENTRIES, ERASURE_SUBJECT_MIN and ERASURE_SUBJECT_MAX; the tests hold them equal).
export const MAX_ENTRY_IDS = 1000;
export const SUBJECT_MIN = 6;
export const SUBJECT_MAX = 200;
export const REASON_MAX = 1000;

/** Entry ids as typed or pasted: separated by spaces, commas or new lines; repeats once. */
export function parseEntryIds(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}

/** What the member filled in: a subject, or entries (their ids as text). */
export type ErasureDraft = { target: "subject"; subject: string; reason: string } | { target: "entries"; entryIds: string; reason: string };

/** The request, or what is wrong with it by the field the route names (`subject`, `entryIds`, `reason`). */
export type CheckedErasure = { ok: true; body: AuditErasureBody } | { ok: false; fields: Record<string, string> };

/** The draft checked as the route's contract checks it; the subject is trimmed (it is matched as written). */
export function checkErasure(draft: ErasureDraft): CheckedErasure {
  const fields: Record<string, string> = {};
  const reason = draft.reason.trim();
  if (!reason) fields.reason = "is required";
  else if (reason.length > REASON_MAX) fields.reason = `must be at most ${REASON_MAX} characters`;
  let target: { subject: string } | { entryIds: string[] } | null = null;
  if (draft.target === "subject") {
    const subject = draft.subject.trim();
    if (subject.length < SUBJECT_MIN) fields.subject = `must be at least ${SUBJECT_MIN} characters`;
    else if (subject.length > SUBJECT_MAX) fields.subject = `must be at most ${SUBJECT_MAX} characters`;
    else target = { subject };
  } else {
    const ids = parseEntryIds(draft.entryIds);
    const bad = ids.find((id) => !ENTRY_ID_PATTERN.test(id));
    if (ids.length === 0) fields.entryIds = "name at least one entry (aud_…)";
    else if (bad !== undefined) fields.entryIds = `“${bad}” is not an audit entry id (aud_…)`;
    else if (ids.length > MAX_ENTRY_IDS) fields.entryIds = `at most ${MAX_ENTRY_IDS} entries at once`;
    else target = { entryIds: ids };
  }
  if (!target || Object.keys(fields).length > 0) return { ok: false, fields };
  return { ok: true, body: { ...target, reason } };
}

/**
 * Where the route's refusal names a field: `entryIds[3]` (an entry of the first format, say) is shown
 * at the entries input, anything else at its own name.
 */
export function erasureFieldOf(path: string): "subject" | "entryIds" | "reason" | null {
  if (path === "subject" || path === "reason") return path;
  if (path === "entryIds" || path.startsWith("entryIds[") || path.startsWith("entryIds.")) return "entryIds";
  return null;
}

/** What the confirmation says will be erased. */
export function erasureTargetText(body: AuditErasureBody): string {
  if (body.subject !== undefined) return `every committed field that contains “${body.subject}”, in every entry of the organization`;
  const ids = body.entryIds ?? [];
  return ids.length === 1 ? `every committed field of entry ${ids[0] ?? ""}` : `every committed field of ${countOf(ids.length, "entry", "entries")}`;
}

/** What the result says: how much was erased, that it waits for a second admin, or that nothing was left to erase. */
export function erasureResultText(result: AuditErasureOutcome, body: AuditErasureBody): string {
  if (result.status === "pending_approval")
    return `Nothing is erased yet: the two-admin rule is on, so another owner or admin must approve erasing ${countOf(result.fields, "field")} in ${countOf(result.entries, "entry", "entries")}. You cannot approve it yourself.`;
  if (result.erasureEntryId !== null && result.fields > 0) return `Erased ${countOf(result.fields, "field")} in ${countOf(result.entries, "entry", "entries")}.`;
  return body.subject !== undefined
    ? `Nothing was erased: no committed field still holds “${body.subject}”. Nothing was written to the log.`
    : "Nothing was erased: every committed field of those entries was erased before. Nothing was written to the log.";
}

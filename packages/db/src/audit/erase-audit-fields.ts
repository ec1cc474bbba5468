import { createHmac } from "node:crypto";
import { ERASURE_MAX_ENTRIES, type AuditErasure, type AuditErasureBody } from "@gatehouse/contracts";
import { notFound, validationError, type ActorRef, type StoredFields } from "@gatehouse/core";
import type { Tx } from "../infra/client";
import { appendAuditEntry } from "./append-audit-entries";
import { orgSubkey } from "../infra/org-vault";

/**
 * What one erasure erases: each entry (by seq) with the fields it takes, and for a subject its keyed
 * hash. Found once, when the erasure is asked; written as it is then, or later when a second admin
 * approves it (policy-rollout/erase-audit-fields.ts), so what was approved is what is erased.
 */
export interface ErasurePlan {
  entries: Array<{ seq: number; fields: string[] }>;
  subjectTag?: string;
}

type Target = { id: string; seq: string; type: string; subject_id: string | null; fields: StoredFields };

/** A subject as the erasure entry names it: an HMAC under a key of the org's own (never the text). */
export async function erasureSubjectTag(orgId: string, subject: string): Promise<string> {
  return createHmac("sha256", await orgSubkey(orgId, "erasure-subject"))
    .update(subject, "utf8")
    .digest("hex")
    .slice(0, 32);
}

/**
 * The fields an erasure takes (docs/adr/0023-erasure.md): every field still held by the given entries,
 * or every field whose value contains `subject`, in at most ERASURE_MAX_ENTRIES entries. Another org's
 * or an unknown entry id is a 404; an entry of the first format a 400 naming it; a subject found in
 * more entries a 400 naming `subject` with how many. Reads only; the entries are locked (FOR UPDATE)
 * for the transaction that erases them now.
 */
export async function planAuditErasure(tx: Tx, orgId: string, body: AuditErasureBody, subjectTag: string | undefined): Promise<ErasurePlan> {
  const { entryIds, subject } = body;
  const targets = entryIds ? await byEntries(tx, orgId, entryIds) : await bySubject(tx, orgId, subject as string);
  const needle = subject === undefined ? undefined : inCanonical(subject);
  const entries = targets
    .map((t) => ({
      seq: Number(t.seq),
      fields: Object.entries(t.fields)
        .filter(([, field]) => "canonical" in field && (needle === undefined || field.canonical.includes(needle)))
        .map(([name]) => name)
        .sort(),
    }))
    .filter((e) => e.fields.length > 0)
    .sort((a, b) => a.seq - b.seq);
  return { entries, ...(subjectTag ? { subjectTag } : {}) };
}

/**
 * Erases what `plan` names, in the caller's transaction: removes the values and salts of the fields
 * those entries still hold (one erased meanwhile is left out), records the erasure as its own entry
 * (`audit.erased`: which entries and fields, the reason, the subject's keyed hash, the approval when a
 * second admin approved it) and marks each field erased by that entry's seq. The copies kept for the
 * console go too: the action's metadata, data accessed, its result's conditions' values and its
 * outcome message. No tree hash, checkpoint or proof changes: the entries' hashed text holds only the
 * fields' digests. Nothing left to erase writes nothing.
 */
export async function writeAuditErasure(
  tx: Tx,
  orgId: string,
  input: { actor: ActorRef; plan: ErasurePlan; reason: string; approvalId?: string },
): Promise<Omit<AuditErasure, "status">> {
  const { actor, plan, reason, approvalId } = input;
  const wanted = new Map(plan.entries.map((e) => [String(e.seq), e.fields]));
  const rows =
    wanted.size === 0
      ? []
      : await tx.$queryRaw<Target[]>`
          SELECT id, seq::text AS seq, type, subject_id, fields FROM audit_entries
          WHERE org_id = ${orgId} AND seq = ANY(${[...wanted.keys()]}::bigint[]) AND fields IS NOT NULL
          ORDER BY seq FOR UPDATE`;
  // Per entry, the fields this erasure takes that still hold a value.
  const erasing = rows
    .map((target) => ({
      target,
      names: (wanted.get(target.seq) ?? []).filter((name) => {
        const field = target.fields[name];
        return field !== undefined && "canonical" in field;
      }),
    }))
    .filter((e) => e.names.length > 0);
  if (erasing.length === 0) return { erasureEntryId: null, erasureSeq: null, entries: 0, fields: 0 };
  const entry = await appendAuditEntry(tx, orgId, {
    type: "audit.erased",
    actor,
    data: {
      entries: erasing.map((e) => ({ seq: Number(e.target.seq), fields: e.names })),
      reason,
      ...(plan.subjectTag ? { subjectTag: plan.subjectTag } : {}),
      ...(approvalId ? { approvalId } : {}),
    },
  });
  // One statement for the entries, one per kind of copy: an erasure of 1,000 entries is a few round trips, not 2,000.
  const seqs = erasing.map((e) => e.target.seq);
  const fields = erasing.map(({ target, names }) => {
    const next: StoredFields = { ...target.fields };
    for (const name of names) next[name] = { erased: { seq: entry.seq } };
    return JSON.stringify(next);
  });
  await tx.$executeRaw`
    UPDATE audit_entries e SET fields = u.fields
    FROM unnest(${seqs}::bigint[], ${fields}::jsonb[]) AS u(seq, fields)
    WHERE e.org_id = ${orgId} AND e.seq = u.seq`;
  await eraseCopies(tx, orgId, erasing);
  return { erasureEntryId: entry.id, erasureSeq: entry.seq, entries: erasing.length, fields: erasing.reduce((n, e) => n + e.names.length, 0) };
}

/** A subject as it appears inside a field's RFC 8785 text (a JSON string's escapes). */
const inCanonical = (subject: string) => JSON.stringify(subject).slice(1, -1);

async function byEntries(tx: Tx, orgId: string, ids: readonly string[]): Promise<Target[]> {
  const rows = await tx.$queryRaw<Array<Target | (Omit<Target, "fields"> & { fields: null })>>`
    SELECT id, seq::text AS seq, type, subject_id, fields FROM audit_entries WHERE org_id = ${orgId} AND id = ANY(${[...new Set(ids)]}::text[]) FOR UPDATE`;
  const found = new Map(rows.map((row) => [row.id, row]));
  ids.forEach((id, i) => {
    const row = found.get(id);
    if (!row) throw notFound("audit entry");
    if (!row.fields) throw validationError([{ path: `entryIds[${i}]`, message: "is an entry of the first format: it committed to no field that could be erased" }]);
  });
  return rows as Target[];
}

async function bySubject(tx: Tx, orgId: string, subject: string): Promise<Target[]> {
  const needle = inCanonical(subject);
  const rows = await tx.$queryRaw<Target[]>`
    SELECT id, seq::text AS seq, type, subject_id, fields FROM audit_entries
    WHERE org_id = ${orgId} AND fields IS NOT NULL
      AND EXISTS (SELECT 1 FROM jsonb_each(fields) f WHERE strpos(f.value ->> 'canonical', ${needle}) > 0)
    ORDER BY seq LIMIT ${ERASURE_MAX_ENTRIES + 1} FOR UPDATE`;
  if (rows.length > ERASURE_MAX_ENTRIES) {
    const [counted] = await tx.$queryRaw<Array<{ n: bigint }>>`
      SELECT count(*) AS n FROM audit_entries
      WHERE org_id = ${orgId} AND fields IS NOT NULL
        AND EXISTS (SELECT 1 FROM jsonb_each(fields) f WHERE strpos(f.value ->> 'canonical', ${needle}) > 0)`;
    const matched = Number(counted?.n ?? rows.length).toLocaleString("en");
    throw validationError([
      {
        path: "subject",
        message: `is found in ${matched} entries; one erasure reaches at most ${ERASURE_MAX_ENTRIES.toLocaleString("en")}: name the subject more exactly, or erase by entryIds in parts`,
      },
    ]);
  }
  return rows;
}

/** The console's copies of erased fields: the action rows of the decisions and outcomes, one statement per kind of field. */
async function eraseCopies(tx: Tx, orgId: string, erasing: ReadonlyArray<{ target: Target; names: readonly string[] }>): Promise<void> {
  const actions = (type: string, name: string) =>
    erasing.flatMap(({ target, names }) => (target.type === type && target.subject_id && names.includes(name) ? [target.subject_id] : []));
  const metadata = actions("action.decided", "metadata");
  const dataAccessed = actions("action.decided", "dataAccessed");
  const conditions = actions("action.decided", "conditionsEvaluated");
  const messages = actions("action.outcome", "message");
  if (metadata.length > 0) await tx.$executeRaw`UPDATE actions SET metadata = '{}'::jsonb WHERE org_id = ${orgId} AND id = ANY(${metadata}::text[])`;
  if (dataAccessed.length > 0) await tx.$executeRaw`UPDATE actions SET data_accessed = '[]'::jsonb WHERE org_id = ${orgId} AND id = ANY(${dataAccessed}::text[])`;
  if (conditions.length > 0)
    await tx.$executeRaw`UPDATE actions SET result = jsonb_set(result, '{conditionsEvaluated}', '[]'::jsonb) WHERE org_id = ${orgId} AND id = ANY(${conditions}::text[]) AND result ? 'conditionsEvaluated'`;
  if (messages.length > 0) await tx.$executeRaw`UPDATE actions SET outcome_message = NULL WHERE org_id = ${orgId} AND id = ANY(${messages}::text[])`;
}

import { createHmac } from "node:crypto";
import { auditErasureBodySchema, type AuditErasure } from "@gatehouse/contracts";
import { notFound, validationError, zodIssues, type StoredFields } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { db, TX_OPTIONS, type Tx } from "../infra/client";
import { fairShare } from "../infra/fair-share";
import { appendAuditEntry } from "./append-audit-entries";
import { orgSubkey } from "./signing-keys";

/** Entries one erasure may reach: a subject found in more is refused (narrow it, or erase by entries). */
export const MAX_ERASED_ENTRIES = 10_000;

type Target = { id: string; seq: string; type: string; subject_id: string | null; fields: StoredFields };

/**
 * Erasure (`POST /v1/admin/audit/erasures`, owners: `audit.erase`; docs/adr/0023-erasure.md): removes
 * the values and salts of second-format entries' committed fields — every field of the given entries,
 * or every field whose value contains `subject` — records the erasure as its own entry (`audit.erased`:
 * which entries and fields, the reason, the subject's keyed hash, never the subject) and marks each
 * field erased by that entry's seq. The copies kept for the console go too: the action's metadata, data
 * accessed, its result's conditions' values and its outcome message. No tree hash, checkpoint or proof
 * changes: the entries' hashed text holds only the fields' digests. Another org's entry id is a 404;
 * an entry of the first format (it committed to no field) is a 400 naming it. All or nothing, in one
 * transaction, in one of the org's fair shares.
 */
export async function eraseAuditFields({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<AuditErasure> {
  requirePermission(ctx, "audit.erase");
  const parsed = auditErasureBodySchema.safeParse(input);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const { entryIds, subject, reason } = parsed.data;
  const orgId = ctx.org.id;
  const subjectTag =
    subject === undefined
      ? undefined
      : createHmac("sha256", await orgSubkey(orgId, "erasure-subject"))
          .update(subject, "utf8")
          .digest("hex")
          .slice(0, 32);
  return fairShare().run(orgId, "audit erasure", () =>
    db().$transaction(async (tx) => {
      const targets = entryIds ? await byEntries(tx, orgId, entryIds) : await bySubject(tx, orgId, subject as string);
      // Per entry, the fields this erasure takes: every one still held (entries), or those holding the subject.
      const erasing = targets
        .map((t) => ({
          target: t,
          names: Object.entries(t.fields)
            .filter(([, field]) => "canonical" in field && (subject === undefined || field.canonical.includes(JSON.stringify(subject).slice(1, -1))))
            .map(([name]) => name)
            .sort(),
        }))
        .filter((e) => e.names.length > 0);
      if (erasing.length === 0) return { erasureEntryId: null, erasureSeq: null, entries: 0, fields: 0 };
      const entry = await appendAuditEntry(tx, orgId, {
        type: "audit.erased",
        actor: actorRef(ctx.actor),
        data: { entries: erasing.map((e) => ({ seq: Number(e.target.seq), fields: e.names })), reason, ...(subjectTag ? { subjectTag } : {}) },
      });
      // One statement for the entries, one per kind of copy: an erasure of 10,000 entries is a few round trips, not 20,000.
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
    }, TX_OPTIONS),
  );
}

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
  // As it appears inside a field's RFC 8785 text (a JSON string's escapes).
  const needle = JSON.stringify(subject).slice(1, -1);
  const rows = await tx.$queryRaw<Target[]>`
    SELECT id, seq::text AS seq, type, subject_id, fields FROM audit_entries
    WHERE org_id = ${orgId} AND fields IS NOT NULL
      AND EXISTS (SELECT 1 FROM jsonb_each(fields) f WHERE strpos(f.value ->> 'canonical', ${needle}) > 0)
    ORDER BY seq LIMIT ${MAX_ERASED_ENTRIES + 1} FOR UPDATE`;
  if (rows.length > MAX_ERASED_ENTRIES)
    throw validationError([{ path: "subject", message: `is found in more than ${MAX_ERASED_ENTRIES} entries; narrow it, or erase by entryIds` }]);
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

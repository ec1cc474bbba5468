import type { AuditEvent } from "@gatehouse/contracts";
import { auditListQuerySchema } from "@gatehouse/contracts";
import { openEntry, validationError, zodIssues, type StoredFields } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { readDb } from "../infra/replica";

/** One audit entry as the API answers it (its contract). */
export type AuditEventView = AuditEvent;

/**
 * Prisma's `contains` is SQL LIKE and passes its text through unescaped: a caller's `%` or `_` would be
 * a wildcard (a wider filter, and LIKE's backtracking over every entry's text). `\` is PostgreSQL's
 * LIKE escape, so escaping it and both wildcards makes the text literal.
 */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, "\\$&");
}

/**
 * The org's audit entries, newest first, with keyset pagination on the sequence number: the cursor is
 * the seq to continue below, so pages stay stable while the log grows. Every member role may read;
 * an agent's key sees its own agent's entries.
 */
export async function listAuditEntries({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<{ events: AuditEventView[]; nextCursor: string | null }> {
  const parsed = auditListQuerySchema.safeParse(input ?? {});
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const { cursor, limit, type, actionType, from, to } = parsed.data;
  // An agent's key reads only its own agent's entries.
  const agentId = ctx.actor.type === "agent" ? ctx.actor.agentId : parsed.data.agentId;
  const rows = await readDb().auditEntry.findMany({
    where: {
      orgId: ctx.org.id,
      ...(cursor ? { seq: { lt: BigInt(cursor) } } : {}),
      ...(type ? { type } : {}),
      ...(agentId ? { agentId } : {}),
      ...(from || to ? { createdAt: { ...(from ? { gte: new Date(from) } : {}), ...(to ? { lt: new Date(to) } : {}) } } : {}),
      // Canonical JSON is compact with sorted keys, so the pair appears verbatim in the text.
      ...(actionType ? { canonical: { contains: likeLiteral(`"actionType":${JSON.stringify(actionType)}`) } } : {}),
    },
    orderBy: { seq: "desc" },
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    events: page.map((row) => ({
      id: row.id,
      seq: Number(row.seq),
      type: row.type,
      actorType: row.actorType,
      actorId: row.actorId,
      agentId: row.agentId,
      subjectId: row.subjectId,
      createdAt: row.createdAt.toISOString(),
      leafHash: row.leafHash,
      chainHash: row.chainHash,
      canonical: row.canonical,
      ...opened(row.canonical, row.fields),
    })),
    nextCursor: rows.length > limit && last ? String(last.seq) : null,
  };
}

/** The entry's data with its committed fields back in (erasable-fields.ts), and which were erased. */
function opened(canonical: string, fields: unknown): { data: Record<string, unknown>; erased?: Record<string, number> } {
  const entry = openEntry(canonical, fields as StoredFields | null);
  return { data: entry.data ?? {}, ...(entry.erased ? { erased: entry.erased } : {}) };
}

import { article12RequestSchema } from "@gatehouse/contracts";
import { ARTICLE12_CONTEXT_TYPES, Article12Builder, renderArticle12Html, validationError, zodIssues, type Article12Report, type ReportEntry } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { checkpointAuditLog } from "../audit/checkpoint-audit-log";
import { logOrigin } from "../audit/signing-keys";
import { db, TX_OPTIONS } from "../infra/client";
import { fairShare } from "../infra/fair-share";

/** Entries read per query: each page is parsed in one turn of the event loop, so other callers' work runs between pages. */
const PAGE = 2_000;
/** How far past now a period's end may be (clocks differ a little); entries after the checkpoint are never counted anyway. */
const CLOCK_SKEW_MS = 5 * 60_000;

export type Article12Output = { format: "json"; report: Article12Report } | { format: "html"; report: Article12Report; html: string };

interface Row {
  seq: string;
  canonical: string;
}

/** An entry's canonical text as the fold reads it: the same fields a reader of the export parses. */
function entryOf(row: Row): ReportEntry {
  const parsed = JSON.parse(row.canonical) as {
    seq: number;
    type: string;
    time: string;
    actor: ReportEntry["actor"];
    agentId?: string | null;
    subjectId?: string | null;
    data?: Record<string, unknown>;
  };
  return {
    seq: Number(row.seq),
    type: parsed.type,
    time: parsed.time,
    actor: parsed.actor,
    agentId: parsed.agentId ?? null,
    subjectId: parsed.subjectId ?? null,
    data: parsed.data ?? {},
  };
}

/**
 * The Article 12 evidence report over a period (docs/reports.md). Signs a checkpoint of the log as it
 * is first; only entries below its tree size N are read, so the figures are those of an export of
 * size N. Reads the scene before the period (members' roles, live policies, agents: a few entry types
 * on their index), then the period's entries page by page in sequence order, and folds them with
 * core's Article12Builder; approvals decided in the period but requested before it get their request
 * time from their decision's entry. Holds one of the org's fair shares of the pool throughout.
 *
 * Producing it is recorded: an `audit.report_generated` entry (the actor, the period, the format, the
 * checkpoint). If that entry cannot be written (a closed org's log, say), no report is answered.
 * Members' keys with `audit.export` only (owner, admin, auditor).
 */
export async function createArticle12Report({ ctx, input, now = new Date() }: { ctx: Ctx; input: unknown; now?: Date }): Promise<Article12Output> {
  requirePermission(ctx, "audit.export");
  const parsed = article12RequestSchema.safeParse(input ?? {});
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const { format } = parsed.data;
  const from = new Date(parsed.data.from);
  const to = new Date(parsed.data.to);
  if (to.getTime() > now.getTime() + CLOCK_SKEW_MS) throw validationError([{ path: "to", message: "must not be in the future" }]);
  const { actor } = ctx;
  if (actor.type !== "user" && actor.type !== "adminKey") throw validationError([{ path: "actor", message: "a report is asked for by a member" }]);

  const report = await fairShare().run(ctx.org.id, "audit report", () => buildReport(ctx, from, to, now));
  const orgId = ctx.org.id;
  await db().$transaction(
    (tx) =>
      appendAuditEntry(tx, orgId, {
        type: "audit.report_generated",
        actor: actorRef(actor),
        data: {
          report: "article12",
          from: report.period.from,
          to: report.period.to,
          format,
          treeSize: report.integrity.checkpoint.treeSize,
          rootHash: report.integrity.checkpoint.rootHash,
        },
      }),
    TX_OPTIONS,
  );
  return format === "html" ? { format, report, html: renderArticle12Html(report) } : { format, report };
}

async function buildReport(ctx: Ctx, from: Date, to: Date, now: Date): Promise<Article12Report> {
  const orgId = ctx.org.id;
  const pool = db().pool;
  const checkpoint = await checkpointAuditLog(orgId);
  const size = checkpoint.treeSize;
  const { actor } = ctx;
  const lastVerification = (
    await pool.query<{ created_at: Date; valid: boolean | null }>(
      `SELECT created_at, valid FROM audit_reviews WHERE org_id = $1 AND kind = 'verify' ORDER BY created_at DESC LIMIT 1`,
      [orgId],
    )
  ).rows[0];
  // The org as it is named now (a key's context may have been read before a rename).
  const named = (await pool.query<{ slug: string; name: string }>(`SELECT slug, name FROM orgs WHERE id = $1`, [orgId])).rows[0] ?? ctx.org;
  const builder = new Article12Builder({
    org: { id: orgId, slug: named.slug, name: named.name },
    period: { from: from.toISOString(), to: to.toISOString() },
    generatedAt: now.toISOString(),
    generatedBy:
      actor.type === "adminKey"
        ? { type: "adminKey", id: actor.keyId, role: actor.role }
        : actor.type === "user"
          ? { type: "member", id: actor.membershipId, role: actor.role }
          : { type: "member", id: "unknown", role: null },
    checkpoint: { origin: logOrigin(orgId), treeSize: size, rootHash: checkpoint.rootHash, note: checkpoint.note, keyId: checkpoint.keyId, signedAt: checkpoint.createdAt },
    lastVerification: lastVerification ? { at: lastVerification.created_at.toISOString(), valid: lastVerification.valid === true } : null,
  });

  // The scene before the period: its entry types on their (org_id, type, seq) index.
  for (let after = -1; ;) {
    const { rows } = await pool.query<Row>(
      `SELECT seq, canonical FROM audit_entries
       WHERE org_id = $1 AND type = ANY($2::text[]) AND seq > $3 AND seq < $4 AND created_at < $5
       ORDER BY seq LIMIT ${PAGE}`,
      [orgId, ARTICLE12_CONTEXT_TYPES, after, size, from],
    );
    for (const row of rows) builder.context(entryOf(row));
    if (rows.length < PAGE) break;
    after = Number(rows.at(-1)!.seq);
  }

  // The period, in sequence order below the checkpoint.
  for (let after = -1; ;) {
    const { rows } = await pool.query<Row>(
      `SELECT seq, canonical FROM audit_entries
       WHERE org_id = $1 AND seq > $2 AND seq < $3 AND created_at >= $4 AND created_at < $5
       ORDER BY seq LIMIT ${PAGE}`,
      [orgId, after, size, from, to],
    );
    for (const row of rows) builder.add(entryOf(row));
    if (rows.length < PAGE) break;
    after = Number(rows.at(-1)!.seq);
  }

  // Approvals decided in the period whose request came before it: the time of the decision that asked.
  const unresolved = builder.unresolvedRequests();
  for (let i = 0; i < unresolved.length; i += PAGE) {
    const { rows } = await pool.query<{ id: string; canonical: string }>(
      `SELECT ap.id, e.canonical FROM approvals ap
         JOIN actions ac ON ac.id = ap.action_id
         JOIN audit_entries e ON e.id = ac.audit_entry_id AND e.org_id = ap.org_id
       WHERE ap.org_id = $1 AND ap.id = ANY($2::text[])`,
      [orgId, unresolved.slice(i, i + PAGE)],
    );
    builder.resolveRequests(new Map(rows.map((row) => [row.id, (JSON.parse(row.canonical) as { time: string }).time])));
  }
  return builder.build();
}

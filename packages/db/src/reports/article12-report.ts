import { createHash } from "node:crypto";
import { article12RequestSchema } from "@gatehouse/contracts";
import {
  ARTICLE12_CONTEXT_TYPES,
  Article12Builder,
  describeRetention,
  renderArticle12Html,
  retentionRules,
  retentionSettings,
  orgClosed,
  validationError,
  zodIssues,
  type Article12Report,
  type ReportEntry,
} from "@gatehouse/core";
import { canonicalize } from "@gatehouse/tlog/portable";
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
/** How far past now a period's end may be, and how far apart the API processes' clocks may be (entries' times follow their seq within it). */
const CLOCK_SKEW_MS = 5 * 60_000;

export type Article12Output = { format: "json"; report: Article12Report } | { format: "html"; report: Article12Report; html: string };

interface Row {
  seq: string;
  canonical: string;
}

/** The first seq below `size` whose entry was written at or after `at`, by bisection on the (org_id, seq) index (entries' times follow their seq). */
async function firstSeqAtOrAfter(orgId: string, at: Date, size: number): Promise<number> {
  let lo = 0;
  let hi = size;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const { rows } = await db().pool.query<{ created_at: Date }>(`SELECT created_at FROM audit_entries WHERE org_id = $1 AND seq = $2`, [orgId, mid]);
    if (rows[0] && rows[0].created_at < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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
  if (Date.parse(parsed.data.to) > now.getTime() + CLOCK_SKEW_MS) throw validationError([{ path: "to", message: "must not be in the future" }]);
  // A period ending a little ahead (a form's next whole minute) ends now: a report covers what has happened.
  const to = new Date(Math.min(Date.parse(parsed.data.to), now.getTime()));
  if (to <= from) throw validationError([{ path: "from", message: "must be before now" }]);
  const { actor } = ctx;
  if (actor.type !== "user" && actor.type !== "adminKey") throw validationError([{ path: "actor", message: "a report is asked for by a member" }]);

  // A closed org's log takes no entry, so no report can be recorded: refused before any work (its export stays readable).
  const closed = await db().pool.query<{ closed: boolean }>(`SELECT closed_at IS NOT NULL AS closed FROM orgs WHERE id = $1`, [ctx.org.id]);
  if (closed.rows[0]?.closed) throw orgClosed();
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
          reportSha256: createHash("sha256").update(canonicalize(report), "utf8").digest("hex"),
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
  const fromIso = from.toISOString();
  const toIso = to.toISOString();
  const lastVerification = (
    await pool.query<{ created_at: Date; valid: boolean | null }>(
      `SELECT created_at, valid FROM audit_reviews WHERE org_id = $1 AND kind = 'verify' ORDER BY created_at DESC LIMIT 1`,
      [orgId],
    )
  ).rows[0];
  // The org as it is named now (a key's context may have been read before a rename).
  const named = (await pool.query<{ slug: string; name: string; settings: unknown }>(`SELECT slug, name, settings FROM orgs WHERE id = $1`, [orgId])).rows[0] ?? {
    ...ctx.org,
    settings: {},
  };
  const retention = retentionSettings(named.settings);
  const builder = new Article12Builder({
    org: { id: orgId, slug: named.slug, name: named.name },
    period: { from: fromIso, to: toIso },
    generatedAt: now.toISOString(),
    generatedBy:
      actor.type === "adminKey"
        ? { type: "adminKey", id: actor.keyId, role: actor.role }
        : actor.type === "user"
          ? { type: "member", id: actor.membershipId, role: actor.role }
          : { type: "member", id: "unknown", role: null },
    checkpoint: { origin: logOrigin(orgId), treeSize: size, rootHash: checkpoint.rootHash, note: checkpoint.note, keyId: checkpoint.keyId, signedAt: checkpoint.createdAt },
    retention: { settings: retention, rule: describeRetention(retentionRules(retention)) },
    lastVerification: lastVerification ? { at: lastVerification.created_at.toISOString(), valid: lastVerification.valid === true } : null,
  });

  // Entries' times follow their seq within the API processes' clock skew: the period's positions, found on the
  // (org_id, seq) index with that margin either side, bound the scan; each entry there is placed by its own time.
  const lo = await firstSeqAtOrAfter(orgId, new Date(from.getTime() - CLOCK_SKEW_MS), size);
  const hi = await firstSeqAtOrAfter(orgId, new Date(to.getTime() + CLOCK_SKEW_MS), size);
  const context = new Set<string>(ARTICLE12_CONTEXT_TYPES);

  // The scene before the period: its entry types on their (org_id, type, seq) index, one type at a time (each in seq
  // order on the index, merged here), so no page sorts the org's history.
  const scene: ReportEntry[][] = [];
  for (const type of ARTICLE12_CONTEXT_TYPES) {
    const entries: ReportEntry[] = [];
    for (let after = -1; ;) {
      const { rows } = await pool.query<Row>(`SELECT seq, canonical FROM audit_entries WHERE org_id = $1 AND type = $2 AND seq > $3 AND seq < $4 ORDER BY seq LIMIT ${PAGE}`, [
        orgId,
        type,
        after,
        lo,
      ]);
      for (const row of rows) entries.push(entryOf(row));
      if (rows.length < PAGE) break;
      after = Number(rows.at(-1)!.seq);
    }
    scene.push(entries);
  }
  for (const entry of scene.flat().sort((a, b) => a.seq - b.seq)) if (entry.time < fromIso) builder.context(entry);

  // The period and its margins, in seq order: each entry is the scene's (written before `from`), the period's, or neither.
  for (let after = lo - 1; ;) {
    const { rows } = await pool.query<Row>(`SELECT seq, canonical FROM audit_entries WHERE org_id = $1 AND seq > $2 AND seq < $3 ORDER BY seq LIMIT ${PAGE}`, [orgId, after, hi]);
    for (const row of rows) {
      const entry = entryOf(row);
      if (entry.time < fromIso) {
        if (context.has(entry.type)) builder.context(entry);
      } else if (entry.time < toIso) builder.add(entry);
    }
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

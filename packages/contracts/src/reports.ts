import { MEMBER_ROLES, REPORT_MAX_DAYS, retentionSettingsSchema, type Article12Report } from "@gatehouse/core";
import { z } from "zod";
import { isoTime, named } from "./common";

export const article12RequestSchema = named(
  "Article12Request",
  z
    .strictObject({
      from: isoTime().describe("The period's start: entries written at or after it (ISO 8601)."),
      to: isoTime().describe("The period's end: entries written before it (ISO 8601); at most now, and at most 367 days after `from`."),
      format: z.enum(["json", "html"]).default("json").describe("`json` (this schema) or `html`: the printable page."),
    })
    .superRefine((body, issue) => {
      const from = Date.parse(body.from);
      const to = Date.parse(body.to);
      if (!(from < to)) issue.addIssue({ code: "custom", path: ["to"], message: "must be after `from`" });
      else if (to - from > REPORT_MAX_DAYS * 86_400_000) issue.addIssue({ code: "custom", path: ["to"], message: `must be at most ${REPORT_MAX_DAYS} days after \`from\`` });
    }),
  "The period of an Article 12 report and the form it is wanted in.",
);

const count = z.number().int().min(0);
const counts = z.record(z.string(), count);
const note = named(
  "ReportNote",
  z.object({ shows: z.string().describe("What the figures show."), cannotShow: z.string().describe("What they cannot show.") }),
  "What a section's figures can show and what they cannot: read with the figures, never without.",
);

export const article12ReportSchema = named(
  "Article12Report",
  z.object({
    report: z.literal("article12"),
    version: z.literal(1),
    statement: z.string().describe("That the report is evidence drawn from the log, not a claim of compliance."),
    org: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
    period: z.object({ from: z.string(), to: z.string() }).describe("Entries written at or after `from` and before `to` (UTC, ISO 8601)."),
    generatedAt: z.string(),
    generatedBy: z.object({ type: z.enum(["member", "adminKey"]), id: z.string(), role: z.enum(MEMBER_ROLES).nullable() }),
    entries: z.object({ inPeriod: count, firstSeq: z.number().int().nullable(), lastSeq: z.number().int().nullable(), about: note }),
    agents: z.object({
      registered: count.describe("Agents created (with a key, or by delegation) by the end of the period."),
      acted: count.describe("Agents with at least one decision in the period."),
      list: z.array(z.object({ agentId: z.string(), name: z.string(), decisions: count, executed: count, denied: count, requested: count })),
      about: note,
    }),
    decisions: z.object({
      total: count,
      executed: count,
      denied: count,
      requested: count.describe("Held for a person's approval."),
      monitorMode: count,
      underStandingGrant: count,
      byDenialReason: counts,
      about: note,
    }),
    oversight: z.object({
      requested: count,
      approved: count,
      denied: count,
      expired: count,
      cancelled: count,
      votes: z.object({
        total: count,
        approve: count,
        deny: count,
        onBehalfOf: count.describe("Cast by a member holding a colleague's queue (hand-over)."),
        byRole: counts.describe("By the voter's role as the log recorded it at the vote; `unrecorded` when it holds no entry of the member's joining."),
        byChannel: counts.describe("`console`, `api`, `email`, `slack`."),
      }),
      refusedVotes: count.describe("Votes refused by separation of duties."),
      decisionSeconds: z
        .object({
          count,
          untimed: count.describe("Approvals ended in the period whose request could not be found (not in the count)."),
          median: z.number().nullable(),
          p90: z.number().nullable(),
          max: z.number().nullable(),
        })
        .describe("From the request's decision to the approval's end, for approvals approved or denied in the period (nearest-rank percentiles)."),
      about: note,
    }),
    policies: z.object({
      inForceAtStart: count,
      inForceAtEnd: z.array(z.object({ policyId: z.string(), name: z.string(), version: z.number().int(), contentHash: z.string() })),
      changes: z.array(
        z.object({ seq: z.number().int(), time: z.string(), change: z.enum(["published", "archived"]), policyId: z.string(), name: z.string(), version: z.number().int() }),
      ),
      about: note,
    }),
    incidents: z.object({
      halts: count,
      resumes: count,
      circuitTrips: count,
      anomalies: count,
      loops: count,
      unresponsive: count,
      budgetRefusals: count,
      budgetsExceeded: count,
      postconditionViolations: count,
      contentFindings: z.object({ total: count, byClass: counts, byAction: counts }),
      about: note,
    }),
    integrity: z.object({
      checkpoint: z.object({ origin: z.string(), treeSize: count, rootHash: z.string(), note: z.string(), keyId: z.string(), signedAt: z.string() }),
      lastVerification: z.object({ at: z.string(), valid: z.boolean() }).nullable(),
      about: note,
    }),
    retention: z.object({
      rule: z.string().describe("The org's retention, in a sentence."),
      settings: retentionSettingsSchema.describe("The org's retention settings when the report was produced (days; 0 keeps)."),
      erasures: count.describe("Erasures people recorded in the period (`audit.erased` by a member)."),
      entriesErased: count,
      sweeps: count.describe("The worker's retention sweeps in the period (`audit.erased` by `system:retention`)."),
      entriesSwept: count,
      about: note,
    }),
    coverage: z.object({
      agentsWithDecisions: count,
      agentsRegistered: count,
      actionsExecuted: count,
      outcomesReported: count.describe("Outcomes reported in the period (an outcome is reported once, on an action that ran)."),
      modelCalls: z.object({ decided: count, throughWrapper: count, withUsageReported: count }),
      about: note,
    }),
  }),
  "An Article 12 evidence report (docs/reports.md): what the org's audit log shows about a period, each section with what it can and cannot show. Evidence, not a claim of compliance.",
);

export type Article12Request = z.input<typeof article12RequestSchema>;

// The schema describes the report core builds, field for field (a drift fails to compile here).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameShape: Same<z.output<typeof article12ReportSchema>, Article12Report> = true;
void sameShape;

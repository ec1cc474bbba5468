import { retentionSettingsSchema } from "@gatehouse/core";
import { z } from "zod";
import { named } from "./common";

/** The four parts of the posture score, 25 points each (docs/posture.md). */
export const POSTURE_COMPONENT_NAMES = ["policyCoverage", "humanOversight", "identityAccess", "auditIntegrity"] as const;
export type PostureComponentName = (typeof POSTURE_COMPONENT_NAMES)[number];

export const FINDING_SEVERITIES = ["critical", "high", "medium", "low"] as const;

export const postureFindingSchema = named(
  "PostureFinding",
  z.object({
    id: z.string().describe("Stable id of the rule that found it (`oversight.expired_approvals`), for dashboards and suppression."),
    severity: z.enum(FINDING_SEVERITIES),
    points: z.number().int().describe("Points this finding takes off its component."),
    message: z.string().describe("The measured fact, with its numbers."),
    fix: z.string().describe("What to do about it."),
    href: z.string().describe("Where in the console to fix it, relative to the org (`/policies`, `/agents/agt_…`)."),
  }),
  "One deduction from the posture score: the fact measured and how to fix it.",
);

export const postureComponentSchema = named(
  "PostureComponent",
  z.object({
    score: z.number().int(),
    max: z.number().int(),
    findings: z.array(postureFindingSchema),
  }),
  "One part of the posture score: its points, out of `max`, and every deduction as a finding.",
);

export const postureSchema = named(
  "Posture",
  z.object({
    score: z.number().int().min(0).max(100).describe("The sum of the four components' scores."),
    components: z.object({
      policyCoverage: postureComponentSchema,
      humanOversight: postureComponentSchema,
      identityAccess: postureComponentSchema,
      auditIntegrity: postureComponentSchema,
    }),
    windowDays: z.number().int().describe("The window the measured facts cover (decisions, approvals, usage), in days up to computedAt."),
    computedAt: z.string(),
    retention: z
      .object({
        rule: z.string().describe("The org's retention, in a sentence."),
        settings: retentionSettingsSchema.describe("Days the values of erasable fields are kept, by entry type or finding class (0 keeps them)."),
        lastSweepAt: z.string().nullable().describe("The worker's latest retention sweep that erased something (null: none)."),
        sweeps: z.number().int().describe("Retention sweeps in the window."),
        entriesSwept: z.number().int().describe("Entries those sweeps erased values of."),
      })
      .describe("The org's retention (docs/audit.md, Retention): shown beside the score, not scored."),
  }),
  "How well the org's agents are governed, 0–100, and what to fix (docs/posture.md).",
);
export type Posture = z.output<typeof postureSchema>;
export type PostureComponent = z.output<typeof postureComponentSchema>;
export type PostureFinding = z.output<typeof postureFindingSchema>;

// ── The console's overview ──────────────────────────────────────────────────────────────────────

export const OVERVIEW_RANGES = ["24h", "7d", "30d"] as const;
export const overviewQuerySchema = z.object({ range: z.enum(OVERVIEW_RANGES).default("24h") });

const countsSchema = z.object({ executed: z.number().int(), denied: z.number().int(), requested: z.number().int() });

export const overviewSchema = named(
  "Overview",
  z.object({
    range: z.enum(OVERVIEW_RANGES),
    from: z.string(),
    to: z.string(),
    totals: countsSchema.extend({ decisions: z.number().int() }),
    /** 24h: one point per hour; 7d: per 6 hours; 30d: per day. Every bucket of the range is present (zeros included). */
    series: z.array(countsSchema.extend({ at: z.string() })),
    approvalTimes: z.object({
      /** Decided approvals by time to decision: `upToSeconds` is the bucket's upper bound (null: longer). */
      buckets: z.array(z.object({ label: z.string(), upToSeconds: z.number().int().nullable(), count: z.number().int() })),
      decided: z.number().int(),
      expired: z.number().int(),
      medianSeconds: z.number().nullable(),
      p90Seconds: z.number().nullable(),
    }),
    topDeniedActionTypes: z.array(z.object({ actionType: z.string(), denied: z.number().int() })),
    topDeniedAgents: z.array(z.object({ agentId: z.string(), agentName: z.string(), denied: z.number().int() })),
    /** Null when the caller may not read approvals. */
    pendingApprovals: z
      .object({
        count: z.number().int(),
        oldest: z.array(z.object({ id: z.string(), actionType: z.string(), agentName: z.string(), createdAt: z.string(), expiresAt: z.string() })),
      })
      .nullable(),
    /** The org's agents (delegates left out) by presence now (docs/agents.md, Presence). */
    presence: z.object({ live: z.number().int(), idle: z.number().int(), unresponsive: z.number().int(), halted: z.number().int() }),
    /** One point per UTC day with a posture snapshot, oldest first (at most 30). */
    postureTrend: z.array(z.object({ day: z.string(), score: z.number().int() })),
    /** The newest audit entry the rollups have counted (null: nothing counted yet). */
    rolledUpTo: z.string().nullable(),
  }),
  "The console's overview of the org: decisions over time, approval times, top denials, pending approvals, the agents' presence, the posture trend.",
);
export type Overview = z.output<typeof overviewSchema>;
export type OverviewRange = (typeof OVERVIEW_RANGES)[number];

import { z } from "zod";
import { named } from "./common";

/** How many days the monitor view reads at most (policy_rollups keeps every day). */
export const POLICY_MONITOR_MAX_DAYS = 90;

export const policyMonitorQuerySchema = z.object({
  days: z.coerce.number().int().min(1).max(POLICY_MONITOR_MAX_DAYS).default(7).describe(`How many UTC days, today included: 1–${POLICY_MONITOR_MAX_DAYS} (7 unless given).`),
});

export const policyMonitorSchema = named(
  "PolicyMonitor",
  z.object({
    days: z.number().int(),
    series: z
      .array(z.object({ at: z.string().describe("The UTC day (its midnight, ISO 8601)."), wouldBlock: z.number().int() }))
      .describe("One point per UTC day, oldest first, today last; days without decisions are 0."),
    byPolicy: z
      .array(
        z.object({
          policy: z.string().describe("A policy name; `(no policy)` for decisions no policy allowed under report-only."),
          decided: z.number().int().describe("Decisions this policy decided in the window."),
          wouldBlock: z.number().int().describe("Decisions it would have denied or held for approval, had it been enforced (monitor mode, or the org's report-only trial)."),
        }),
      )
      .describe("Every policy with counts in the window, most would-be blocks first."),
  }),
  "What monitor-mode policies and the report-only trial would have blocked (denied or held for approval), per day and per policy, from the rollups (counted about every second).",
);

export type PolicyMonitor = z.output<typeof policyMonitorSchema>;

/** One active policy as the console's policies list shows it. */
export const policySummarySchema = named(
  "PolicySummary",
  z.object({
    name: z.string(),
    effect: z.enum(["allow", "deny", "require_approval"]),
    actions: z.array(z.string()),
    agents: z.array(z.string()),
    mode: z.enum(["enforce", "monitor"]),
    version: z.number().int(),
    versionId: z.string(),
    contentHash: z.string(),
    updatedAt: z.string().describe("When its current version was published (ISO 8601)."),
    updatedBy: z
      .string()
      .nullable()
      .describe("Who published its current version: the member's email (for a member or their admin key), an agent's name, else the actor's id; null if unknown."),
    decisions7d: z.number().int().describe("Decisions it decided over the last 7 UTC days, today included."),
  }),
  "An active policy with its current version and recent use.",
);

export type PolicySummary = z.output<typeof policySummarySchema>;

import { z } from "zod";

/**
 * Anomalies in an agent's traffic, as a pure deterministic rule over per-minute decision counts
 * (docs/posture.md, "Anomalies"). The last complete RECENT_MINUTES are compared with the
 * BASELINE_MINUTES before them, scaled to the same length.
 */
export const ANOMALY_RECENT_MINUTES = 5;
export const ANOMALY_BASELINE_MINUTES = 60;
/** Call rate: recent calls ≥ this multiple of the scaled baseline… */
export const CALL_RATE_MULTIPLE = 5;
/** …and at least this many recent calls. */
export const CALL_RATE_MIN_RECENT_CALLS = 50;
/** Denial rate: the recent share of calls denied at least this… */
export const DENIAL_SHARE_MIN = 0.5;
/** …and at least this multiple of the baseline's share… */
export const DENIAL_RATE_MULTIPLE = 3;
/** …with at least this many recent calls. */
export const DENIAL_RATE_MIN_RECENT_CALLS = 20;
/** Both rules need a baseline window with at least this many calls (an agent with no history has no baseline). */
export const ANOMALY_MIN_BASELINE_CALLS = 12;
/** The same agent and kind is not reported again within this many minutes. */
export const ANOMALY_QUIET_MINUTES = 30;

export const ANOMALY_KINDS = ["call_rate", "denial_rate"] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

export interface WindowCounts {
  /** Decisions of every status (executed, denied, requested). */
  calls: number;
  denied: number;
}

export interface Anomaly {
  kind: AnomalyKind;
  /** Call rate: recent calls; denial rate: the recent share denied (0–1). */
  recent: number;
  /** The same figure of the baseline, scaled to the recent window (call rate) or as a share (denial rate). */
  baseline: number;
  /** recent ÷ baseline, null when the baseline is 0. */
  multiple: number | null;
  /** The multiple the rule reports from. */
  threshold: number;
  windowMinutes: number;
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

/** The anomalies of one agent's counts (recent window, baseline window); empty when none. */
export function detectAgentAnomalies(recent: WindowCounts, baseline: WindowCounts): Anomaly[] {
  const found: Anomaly[] = [];
  if (baseline.calls < ANOMALY_MIN_BASELINE_CALLS) return found;
  const scaledCalls = (baseline.calls * ANOMALY_RECENT_MINUTES) / ANOMALY_BASELINE_MINUTES;
  if (recent.calls >= CALL_RATE_MIN_RECENT_CALLS && recent.calls >= CALL_RATE_MULTIPLE * scaledCalls) {
    found.push({
      kind: "call_rate",
      recent: recent.calls,
      baseline: round(scaledCalls),
      multiple: round(recent.calls / scaledCalls),
      threshold: CALL_RATE_MULTIPLE,
      windowMinutes: ANOMALY_RECENT_MINUTES,
    });
  }
  if (recent.calls >= DENIAL_RATE_MIN_RECENT_CALLS) {
    const share = recent.denied / recent.calls;
    const baseShare = baseline.denied / baseline.calls;
    if (share >= DENIAL_SHARE_MIN && share >= DENIAL_RATE_MULTIPLE * baseShare) {
      found.push({
        kind: "denial_rate",
        recent: round(share),
        baseline: round(baseShare),
        multiple: baseShare > 0 ? round(share / baseShare) : null,
        threshold: DENIAL_RATE_MULTIPLE,
        windowMinutes: ANOMALY_RECENT_MINUTES,
      });
    }
  }
  return found;
}

/** Whether an anomaly of this kind may be reported now, given when it was last reported for the agent. */
export function anomalyDue(lastReportedAt: number | undefined, now: number): boolean {
  return lastReportedAt === undefined || now - lastReportedAt >= ANOMALY_QUIET_MINUTES * 60_000;
}

/** The windows the rule reads at `now`: [baselineFrom, recentFrom) and [recentFrom, to), whole UTC minutes. */
export function anomalyWindows(now: number): { baselineFrom: number; recentFrom: number; to: number } {
  const to = Math.floor(now / 60_000) * 60_000;
  const recentFrom = to - ANOMALY_RECENT_MINUTES * 60_000;
  return { baselineFrom: recentFrom - ANOMALY_BASELINE_MINUTES * 60_000, recentFrom, to };
}

export const anomalySettingsSchema = z.strictObject({
  haltAgent: z.boolean().default(false).describe("Halt an agent when an anomaly is detected in its traffic (false unless changed)."),
});
export type AnomalySettings = z.output<typeof anomalySettingsSchema>;

/** The anomaly settings of an org's settings object; missing or invalid settings give the defaults. */
export function anomalySettings(orgSettings: unknown): AnomalySettings {
  const raw = orgSettings && typeof orgSettings === "object" ? (orgSettings as { anomaly?: unknown }).anomaly : undefined;
  const parsed = anomalySettingsSchema.safeParse(raw ?? {});
  return parsed.success ? parsed.data : anomalySettingsSchema.parse({});
}

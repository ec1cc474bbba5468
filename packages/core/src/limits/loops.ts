import { z } from "zod";

/**
 * Loop detection (docs/loops.md): an agent asking for the same action with the same arguments more
 * than `maxRepeats` times within `windowSeconds` — or alternating between two such calls (ping-pong)
 * more than `maxRepeats` times — is refused with LOOP_DETECTED. On by default (20 within 60 s); the
 * org's settings (`loops`) and the matching policies' `loop` tune it. This file is the pure rule: the
 * counting is the rate counter's (one round trip with the decision's rate conditions).
 */
export const LOOP_DEFAULTS = { enabled: true, maxRepeats: 20, windowSeconds: 60, haltAgent: false } as const;

const maxRepeatsSchema = z.number().int().min(1).max(100_000);
/** At most an hour: a loop is a burst, and every distinct call is held in the counter for its window. */
const windowSecondsSchema = z.number().int().min(1).max(3_600);

export const loopSettingsSchema = z.strictObject({
  enabled: z.boolean().default(LOOP_DEFAULTS.enabled).describe("Whether repeated calls are refused (true unless changed)."),
  maxRepeats: maxRepeatsSchema
    .default(LOOP_DEFAULTS.maxRepeats)
    .describe("Identical calls (or alternations between two) allowed within the window: 1 to 100,000 (20 unless changed)."),
  windowSeconds: windowSecondsSchema.default(LOOP_DEFAULTS.windowSeconds).describe("The sliding window, in seconds: 1 to 3,600 (60 unless changed)."),
  haltAgent: z.boolean().default(LOOP_DEFAULTS.haltAgent).describe("Also halt the agent when a loop is detected (false unless changed)."),
});
export type LoopSettings = z.output<typeof loopSettingsSchema>;

/** The loop settings of an org's settings object; missing or invalid settings give the defaults. */
export function loopSettings(orgSettings: unknown): LoopSettings {
  const raw = orgSettings && typeof orgSettings === "object" ? (orgSettings as { loops?: unknown }).loops : undefined;
  const parsed = loopSettingsSchema.safeParse(raw ?? {});
  return parsed.success ? parsed.data : loopSettingsSchema.parse({});
}

/** A policy's `loop`: its own limit for the calls it matches, or `false` (no loop limit from this policy). */
export const policyLoopSchema = z
  .union([z.literal(false), z.strictObject({ maxRepeats: maxRepeatsSchema, windowSeconds: windowSecondsSchema.default(LOOP_DEFAULTS.windowSeconds) })])
  .describe(
    "The loop limit for the calls this policy matches: `{ maxRepeats, windowSeconds }` (the same call, or an alternation of two, more than maxRepeats times within the window is refused with LOOP_DETECTED), or `false` for none. Overrides the org's `loops` setting; among matching policies the strictest wins (the fewest repeats per second), and `false` holds only when no matching policy sets a limit.",
  );
export type PolicyLoop = z.output<typeof policyLoopSchema>;

/** The limit a call is held to, and where it comes from (`org`, or the policy that set it). */
export interface LoopLimit {
  maxRepeats: number;
  windowSeconds: number;
  source: string;
}

/**
 * The one limit a call is held to: the strictest of its matching policies' `loop` limits (the fewest
 * repeats per second, maxRepeats ÷ windowSeconds; on a tie the fewer repeats), else none when a matching
 * policy says `false`, else the org's.
 */
export function effectiveLoopLimit(settings: LoopSettings, rules: ReadonlyArray<{ policy: string; loop: PolicyLoop }>): LoopLimit | null {
  let best: LoopLimit | null = null;
  let off = false;
  for (const { policy, loop } of rules) {
    if (loop === false) {
      off = true;
      continue;
    }
    if (!best || stricter(loop, best)) {
      best = { maxRepeats: loop.maxRepeats, windowSeconds: loop.windowSeconds, source: policy };
    }
  }
  if (best) return best;
  if (off || !settings.enabled) return null;
  return { maxRepeats: settings.maxRepeats, windowSeconds: settings.windowSeconds, source: "org" };
}

export const LOOP_KINDS = ["repeat", "ping_pong"] as const;
/** `a` allows fewer repeats per second than `b` (compared without division), or as many and fewer repeats. */
function stricter(a: { maxRepeats: number; windowSeconds: number }, b: { maxRepeats: number; windowSeconds: number }): boolean {
  const left = a.maxRepeats * b.windowSeconds;
  const right = b.maxRepeats * a.windowSeconds;
  return left < right || (left === right && a.maxRepeats < b.maxRepeats);
}

export type LoopKind = (typeof LOOP_KINDS)[number];

/** A call over its loop limit: which pattern, the count including this call, and the limit. */
export interface LoopFinding {
  kind: LoopKind;
  count: number;
  limit: LoopLimit;
  /** The call that first went over (count = maxRepeats + 1): it records the loop, and halts the agent when the org says so. */
  first: boolean;
}

/** Whether the counts (this call's repeats, and alternations with the call before it) go over the limit. */
export function loopFinding(limit: LoopLimit, repeats: number, alternations: number): LoopFinding | null {
  const over = (count: number) => count > limit.maxRepeats;
  if (over(repeats)) return { kind: "repeat", count: repeats, limit, first: repeats === limit.maxRepeats + 1 };
  if (over(alternations)) return { kind: "ping_pong", count: alternations, limit, first: alternations === limit.maxRepeats + 1 };
  return null;
}

/** The system part that records a loop and halts its agent (the entries' actor, `agents.halted_by_system`). */
export const LOOP_DETECTOR = "loop-detector";

/** What a loop was, in words (the audit entry's and the halt's reason). */
export function loopReason(finding: Pick<LoopFinding, "kind" | "count" | "limit">, actionType: string): string {
  const { maxRepeats, windowSeconds } = finding.limit;
  return finding.kind === "repeat"
    ? `loop: ${actionType} with the same arguments ${finding.count} times within ${windowSeconds} s (limit ${maxRepeats})`
    : `loop: ${actionType} alternating with another call ${finding.count} times within ${windowSeconds} s (limit ${maxRepeats})`;
}

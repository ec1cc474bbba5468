import { z } from "zod";

/**
 * A per-agent circuit breaker, as pure rules. `failureThreshold` denials or failure outcomes within
 * `windowSeconds` open it: the agent's calls are denied with CIRCUIT_OPEN. After `cooldownSeconds` the
 * next call is a probe (half-open): if it is not denied the breaker closes, if it is denied it opens
 * again. A probe that never settles (its process died) is replaced after another cool-down.
 * Counting failures, claiming the probe and storing the state are the caller's I/O.
 */
export const breakerSettingsSchema = z.strictObject({
  failureThreshold: z.number().int().min(1).max(10_000).default(10),
  windowSeconds: z.number().int().min(1).max(86_400).default(60),
  cooldownSeconds: z.number().int().min(1).max(86_400).default(30),
});
export type BreakerSettings = z.output<typeof breakerSettingsSchema>;

/** The breaker settings of an org's settings object; missing or invalid settings give the defaults. */
export function breakerSettings(orgSettings: unknown): BreakerSettings {
  const raw = orgSettings && typeof orgSettings === "object" ? (orgSettings as { circuitBreaker?: unknown }).circuitBreaker : undefined;
  const parsed = breakerSettingsSchema.safeParse(raw ?? {});
  return parsed.success ? parsed.data : breakerSettingsSchema.parse({});
}

/** The system part that moves breakers (its entries' actor). */
export const BREAKER_ACTOR = "circuit-breaker";

export const CIRCUIT_STATES = ["closed", "open", "half_open"] as const;
export type CircuitState = (typeof CIRCUIT_STATES)[number];

export interface BreakerState {
  circuitState: CircuitState;
  circuitOpenedAt: Date | null;
}

/**
 * What the breaker says about a call now: `pass`, `blocked` (denied with CIRCUIT_OPEN), or `probe`:
 * the cool-down is over and an execute may be the half-open probe, if it claims the probe first
 * (a call that loses the claim is blocked). canI never probes: it passes once the cool-down is over.
 */
export function breakerGate(state: BreakerState, settings: BreakerSettings, mode: "execute" | "check", now: number): "pass" | "blocked" | "probe" {
  if (state.circuitState === "closed") return "pass";
  const since = state.circuitOpenedAt?.getTime() ?? 0;
  if (now < since + settings.cooldownSeconds * 1000) return "blocked";
  return mode === "check" ? "pass" : "probe";
}

export interface BreakerTransition {
  from: CircuitState;
  to: CircuitState;
  reason: string;
}

/** Failures counted in the window (this one included): the closed breaker opens at the threshold. */
export function tripOnFailures(failures: number, settings: BreakerSettings, lastFailure: string): BreakerTransition | null {
  if (failures < settings.failureThreshold) return null;
  return { from: "closed", to: "open", reason: `${failures} failures or denials in ${settings.windowSeconds}s (last: ${lastFailure})` };
}

/** The half-open probe settled: a probe that was not denied closes the breaker, a denied one opens it again. */
export function probeTransition(denied: boolean): BreakerTransition {
  return denied ? { from: "half_open", to: "open", reason: "probe denied" } : { from: "half_open", to: "closed", reason: "probe executed" };
}

/** What a transition writes: when the breaker counts as opened (null once closed), and its audit entry type. */
export function transitionRecord(transition: BreakerTransition, now: Date): { circuitOpenedAt: Date | null; entryType: "agent.circuit_opened" | "agent.circuit_closed" } {
  return transition.to === "closed" ? { circuitOpenedAt: null, entryType: "agent.circuit_closed" } : { circuitOpenedAt: now, entryType: "agent.circuit_opened" };
}

/**
 * What a recorded decision does to the breaker: a probe settles (denied or not); any other denial
 * made by policy counts as a failure. Denials made before policy (the agent halted, the breaker
 * open, policies tampered) never count.
 */
export function afterDecision(decision: {
  probe: boolean;
  status: "executed" | "requested" | "denied";
  denialReason?: string | undefined;
  deniedBeforePolicy: boolean;
}): { settle: BreakerTransition } | "count_failure" | "none" {
  if (decision.probe) return { settle: probeTransition(decision.status === "denied") };
  if (decision.status === "denied" && !decision.deniedBeforePolicy && decision.denialReason !== "AGENT_HALTED") return "count_failure";
  return "none";
}

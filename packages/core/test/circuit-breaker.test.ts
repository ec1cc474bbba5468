import { describe, expect, it } from "vitest";
import {
  afterDecision,
  breakerGate,
  breakerSettings,
  probeTransition,
  transitionRecord,
  tripOnFailures,
  type BreakerSettings,
  type BreakerState,
} from "../src/agents/circuit-breaker";

const settings: BreakerSettings = { failureThreshold: 3, windowSeconds: 60, cooldownSeconds: 30 };
const openedAt = new Date("2026-01-01T00:00:00Z");
const at = (seconds: number) => openedAt.getTime() + seconds * 1000;

describe("breakerSettings", () => {
  const defaults = { failureThreshold: 10, windowSeconds: 60, cooldownSeconds: 30 };
  it.each([
    ["no settings", undefined, defaults],
    ["settings without a breaker", { other: 1 }, defaults],
    ["a partial breaker", { circuitBreaker: { failureThreshold: 5 } }, { ...defaults, failureThreshold: 5 }],
    ["a whole breaker", { circuitBreaker: settings }, settings],
    ["an invalid breaker (defaults, not an error)", { circuitBreaker: { failureThreshold: 0 } }, defaults],
    ["an unknown field (defaults)", { circuitBreaker: { failureThreshold: 5, extra: true } }, defaults],
    ["not an object", "closed", defaults],
  ])("%s", (_name, orgSettings, expected) => {
    expect(breakerSettings(orgSettings)).toEqual(expected);
  });
});

describe("breakerGate", () => {
  const state = (circuitState: BreakerState["circuitState"], opened: Date | null = openedAt): BreakerState => ({ circuitState, circuitOpenedAt: opened });
  it.each([
    ["closed: every call passes", state("closed", null), "execute", at(0), "pass"],
    ["closed: canI passes", state("closed", null), "check", at(0), "pass"],
    ["open, in the cool-down: blocked", state("open"), "execute", at(29.999), "blocked"],
    ["open, in the cool-down: canI is blocked too", state("open"), "check", at(10), "blocked"],
    ["open, cool-down over: an execute may probe", state("open"), "execute", at(30), "probe"],
    ["open, cool-down over: canI passes without probing", state("open"), "check", at(30), "pass"],
    ["half-open, probe in flight: blocked", state("half_open"), "execute", at(5), "blocked"],
    ["half-open, probe never settled: another probe after a cool-down", state("half_open"), "execute", at(31), "probe"],
    ["open with no opening time: the cool-down counts from the epoch", state("open", null), "execute", at(0), "probe"],
  ] as const)("%s", (_name, breaker, mode, now, expected) => {
    expect(breakerGate(breaker, settings, mode, now)).toBe(expected);
  });
});

describe("tripOnFailures", () => {
  it.each([
    [1, null],
    [2, null],
    [3, { from: "closed", to: "open", reason: "3 failures or denials in 60s (last: denied deploy)" }],
    [7, { from: "closed", to: "open", reason: "7 failures or denials in 60s (last: denied deploy)" }],
  ])("%i failures in the window → %j", (failures, expected) => {
    expect(tripOnFailures(failures, settings, "denied deploy")).toEqual(expected);
  });
});

describe("probeTransition and transitionRecord", () => {
  const now = new Date("2026-01-01T01:00:00Z");
  it.each([
    [
      "a probe that was not denied closes the breaker",
      false,
      { from: "half_open", to: "closed", reason: "probe executed" },
      { circuitOpenedAt: null, entryType: "agent.circuit_closed" },
    ],
    ["a denied probe opens it again, from now", true, { from: "half_open", to: "open", reason: "probe denied" }, { circuitOpenedAt: now, entryType: "agent.circuit_opened" }],
  ])("%s", (_name, denied, transition, record) => {
    expect(probeTransition(denied)).toEqual(transition);
    expect(transitionRecord(probeTransition(denied), now)).toEqual(record);
  });

  it("tripping open records the time it opened", () => {
    const trip = tripOnFailures(3, settings, "x");
    expect(trip && transitionRecord(trip, now)).toEqual({ circuitOpenedAt: now, entryType: "agent.circuit_opened" });
  });
});

describe("afterDecision", () => {
  it.each([
    ["a probe executed: settles closed", { probe: true, status: "executed", deniedBeforePolicy: false }, { settle: probeTransition(false) }],
    ["a probe waiting for approval: settles closed", { probe: true, status: "requested", deniedBeforePolicy: false }, { settle: probeTransition(false) }],
    ["a probe denied by policy: settles open", { probe: true, status: "denied", denialReason: "CONDITIONS_DENIED", deniedBeforePolicy: false }, { settle: probeTransition(true) }],
    [
      "a probe denied because the agent was halted at commit: settles open",
      { probe: true, status: "denied", denialReason: "AGENT_HALTED", deniedBeforePolicy: false },
      { settle: probeTransition(true) },
    ],
    ["denied by policy: a failure", { probe: false, status: "denied", denialReason: "NO_POLICY", deniedBeforePolicy: false }, "count_failure"],
    ["denied before policy (breaker open): not counted", { probe: false, status: "denied", denialReason: "CIRCUIT_OPEN", deniedBeforePolicy: true }, "none"],
    ["denied before policy (tampered): not counted", { probe: false, status: "denied", denialReason: "POLICY_TAMPERED", deniedBeforePolicy: true }, "none"],
    ["halted at commit: not counted", { probe: false, status: "denied", denialReason: "AGENT_HALTED", deniedBeforePolicy: false }, "none"],
    ["executed: nothing", { probe: false, status: "executed", deniedBeforePolicy: false }, "none"],
    ["requested: nothing", { probe: false, status: "requested", deniedBeforePolicy: false }, "none"],
  ] as const)("%s", (_name, decision, expected) => {
    expect(afterDecision(decision)).toEqual(expected);
  });
});

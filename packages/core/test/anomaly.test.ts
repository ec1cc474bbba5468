import { describe, expect, it } from "vitest";
import { ANOMALY_QUIET_MINUTES, anomalyDue, anomalySettings, anomalyWindows, detectAgentAnomalies } from "../src/anomaly/detect-anomalies";

const w = (calls: number, denied = 0) => ({ calls, denied });

describe("detectAgentAnomalies", () => {
  it.each([
    // [recent, baseline (60 min), kinds]
    ["calm traffic", w(10), w(120), []],
    ["call rate exactly 5× the scaled baseline with 50 calls", w(50), w(120), ["call_rate"]],
    ["call rate just under 5×", w(49), w(120), []],
    ["call rate far past 5× but under 50 recent calls", w(49), w(12), []],
    ["call rate past 5× with a baseline of 12 calls", w(60), w(12), ["call_rate"]],
    ["no baseline (fewer than 12 calls): nothing, however many calls", w(500, 500), w(11), []],
    ["denial share 50%, 3× the baseline's", w(20, 10), w(120, 20), ["denial_rate"]],
    ["denial share 50% but under 3× the baseline's", w(20, 10), w(120, 24), []],
    ["denial share under 50%", w(40, 19), w(120, 0), []],
    ["denial share 100% with fewer than 20 calls", w(19, 19), w(120, 0), []],
    ["both at once", w(100, 80), w(120, 6), ["call_rate", "denial_rate"]],
  ])("%s", (_name, recent, baseline, kinds) => {
    expect(detectAgentAnomalies(recent, baseline).map((a) => a.kind)).toEqual(kinds);
  });

  it("reports its numbers: the scaled baseline, the multiple, the threshold and the window", () => {
    expect(detectAgentAnomalies(w(60), w(24))).toEqual([{ kind: "call_rate", recent: 60, baseline: 2, multiple: 30, threshold: 5, windowMinutes: 5 }]);
    expect(detectAgentAnomalies(w(20, 20), w(12, 0))).toEqual([{ kind: "denial_rate", recent: 1, baseline: 0, multiple: null, threshold: 3, windowMinutes: 5 }]);
    expect(detectAgentAnomalies(w(20, 12), w(60, 6))).toEqual([{ kind: "denial_rate", recent: 0.6, baseline: 0.1, multiple: 6, threshold: 3, windowMinutes: 5 }]);
  });
});

describe("anomaly windows and repeats", () => {
  it("the last five complete UTC minutes, and the sixty before them", () => {
    const now = Date.parse("2026-11-20T10:30:42.123Z");
    const { baselineFrom, recentFrom, to } = anomalyWindows(now);
    expect(new Date(to).toISOString()).toBe("2026-11-20T10:30:00.000Z");
    expect(new Date(recentFrom).toISOString()).toBe("2026-11-20T10:25:00.000Z");
    expect(new Date(baselineFrom).toISOString()).toBe("2026-11-20T09:25:00.000Z");
  });

  it("is not reported again for the same agent and kind within the quiet period", () => {
    const now = 10_000_000;
    expect(anomalyDue(undefined, now)).toBe(true);
    expect(anomalyDue(now - ANOMALY_QUIET_MINUTES * 60_000 + 1, now)).toBe(false);
    expect(anomalyDue(now - ANOMALY_QUIET_MINUTES * 60_000, now)).toBe(true);
  });

  it("haltAgent is off unless the org turned it on", () => {
    expect(anomalySettings({})).toEqual({ haltAgent: false });
    expect(anomalySettings({ anomaly: { haltAgent: true } })).toEqual({ haltAgent: true });
    expect(anomalySettings({ anomaly: { haltAgent: "yes" } })).toEqual({ haltAgent: false });
  });
});

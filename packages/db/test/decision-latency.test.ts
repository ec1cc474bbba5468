import { describe, expect, it } from "vitest";
import { decisionLatencyOf, recordDecisionLatency } from "../src/health/decision-latency";

// The governance health's decision latency (docs/audit.md): each org's own answers, the window, the bound on what is kept.

const NOW = Date.parse("2026-11-26T08:00:00.000Z");
const WINDOW_MS = 15 * 60_000;

describe("decision latency", () => {
  it("gives the median and the 99th percentile of the org's answers in the window, nearest rank", () => {
    for (let ms = 1; ms <= 100; ms++) recordDecisionLatency("org_ranks", ms, NOW - 1_000);
    expect(decisionLatencyOf("org_ranks", WINDOW_MS, NOW)).toEqual({ samples: 100, p50Ms: 50, p99Ms: 99 });
    expect(decisionLatencyOf("org_other", WINDOW_MS, NOW)).toEqual({ samples: 0, p50Ms: null, p99Ms: null });
  });

  it("leaves out answers older than the window", () => {
    recordDecisionLatency("org_window", 900, NOW - WINDOW_MS - 1);
    recordDecisionLatency("org_window", 4, NOW - 10);
    expect(decisionLatencyOf("org_window", WINDOW_MS, NOW)).toEqual({ samples: 1, p50Ms: 4, p99Ms: 4 });
  });

  it("keeps the newest 500 answers of an org, however many it makes", () => {
    for (let i = 0; i < 500; i++) recordDecisionLatency("org_busy", 1_000, NOW - 5);
    for (let i = 0; i < 700; i++) recordDecisionLatency("org_busy", 2, NOW - 1);
    expect(decisionLatencyOf("org_busy", WINDOW_MS, NOW)).toEqual({ samples: 500, p50Ms: 2, p99Ms: 2 });
  });

  it("keeps at most 2,000 orgs, forgetting the one that decided longest ago", () => {
    recordDecisionLatency("org_first", 7, NOW);
    recordDecisionLatency("org_kept", 8, NOW);
    for (let i = 0; i < 2_000; i++) {
      recordDecisionLatency(`org_many_${i}`, 1, NOW);
      if (i === 1_000) recordDecisionLatency("org_kept", 8, NOW); // decided again: it moves to the back
    }
    expect(decisionLatencyOf("org_first", WINDOW_MS, NOW).samples).toBe(0);
    expect(decisionLatencyOf("org_kept", WINDOW_MS, NOW).samples).toBe(2);
  });
});

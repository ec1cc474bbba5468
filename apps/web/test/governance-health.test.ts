import { describe, expect, it } from "vitest";
import { HEALTH_ITEMS, healthAge, healthFigures, type GovernanceHealth } from "../src/lib/governance-health";

const NOW = Date.parse("2026-11-26T08:00:00.000Z");

const health: GovernanceHealth = {
  status: "warn",
  checkedAt: "2026-11-26T08:00:00.000Z",
  items: {
    logIntegrity: {
      status: "ok",
      reason: "r",
      observedAt: "2026-11-26T07:59:58.000Z",
      details: { headSize: 12, verifiedUpTo: 10, signatureValid: true, rootMatchesHead: null, lastFullVerification: null },
    },
    signingKey: { status: "ok", reason: "r", observedAt: null, details: { keyId: "sk_1", usable: true } },
    checkpointAge: { status: "warn", reason: "r", observedAt: "2026-11-26T07:55:00.000Z", details: { ageSeconds: 300, treeSize: 10, uncoveredEntries: 2 } },
    decisionLatency: { status: "ok", reason: "r", observedAt: null, details: { windowSeconds: 900, samples: 0, p50Ms: null, p99Ms: null } },
    evaluationFailures: { status: "warn", reason: "r", observedAt: "2026-11-26T07:59:00.000Z", details: { windowSeconds: 900, count: 2, decisions: 300 } },
    workerJobs: { status: "fail", reason: "r", observedAt: null, details: null },
    webhookBacklog: { status: "ok", reason: "r", observedAt: null, details: { endpoints: 2, pending: 1, oldestPendingAgeSeconds: 3, failingEndpoints: 1 } },
    witnesses: {
      status: "fail",
      reason: "r",
      observedAt: null,
      details: {
        configured: true,
        quorum: "all of w1, w2",
        latestTreeSize: 10,
        cosignedBy: ["w1"],
        witnessedTreeSize: 8,
        refusing: [{ name: "w2", lastStatus: 422, lastError: "the log forked" }],
      },
    },
  },
};

describe("the governance health panel's helpers", () => {
  it("lists every item the answer has, once", () => {
    expect(HEALTH_ITEMS.map((i) => i.name).sort()).toEqual(Object.keys(health.items).sort());
  });

  it("writes an item's age from when it was observed, and 'never' without a time", () => {
    expect(healthAge("2026-11-26T07:55:00.000Z", NOW)).toBe("5m ago");
    expect(healthAge("2026-11-26T07:59:58.000Z", NOW)).toBe("2s ago");
    expect(healthAge(null, NOW)).toBe("never");
    // A time slightly ahead of the browser's clock reads as now, not as "in 1s".
    expect(healthAge("2026-11-26T08:00:01.000Z", NOW)).toBe("0s ago");
  });

  it("writes each item's figures in one line, and nothing for a probe that failed", () => {
    expect(healthFigures(health.items, "logIntegrity")).toBe("verified up to 10 entries of 12 entries");
    expect(healthFigures(health.items, "signingKey")).toBe("sk_1 · usable");
    expect(healthFigures(health.items, "checkpointAge")).toBe("tree size 10 · 2 entries waiting");
    expect(healthFigures(health.items, "witnesses")).toBe("all of w1, w2 · cosigned by w1 · 1 witness refusing");
    expect(healthFigures(health.items, "decisionLatency")).toBe("no decisions in the window");
    const measured = { ...health.items.decisionLatency, details: { windowSeconds: 900, samples: 40, p50Ms: 5, p99Ms: 20 } };
    expect(healthFigures({ ...health.items, decisionLatency: measured }, "decisionLatency")).toBe("p50 ≤ 5 ms · p99 ≤ 20 ms · 40 decisions");
    expect(healthFigures(health.items, "evaluationFailures")).toBe("2 of 300 decisions");
    expect(
      healthFigures({ ...health.items, evaluationFailures: { ...health.items.evaluationFailures, details: { windowSeconds: 900, count: 0, decisions: 9 } } }, "evaluationFailures"),
    ).toBe("none in the window");
    expect(healthFigures(health.items, "workerJobs")).toBe("");
    expect(healthFigures(health.items, "webhookBacklog")).toBe("1 entry pending over 2 endpoints · 1 failing");
  });
});

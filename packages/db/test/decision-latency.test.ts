import { afterAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "../src";
import { bucketOf, decisionLatencyOf, flushDecisionLatency, LATENCY_BUCKETS_MS, quantileBound, recordDecisionLatency } from "../src/health/decision-latency";
import { createTestOrg } from "../src/testing";

// The governance health's decision latency (docs/audit.md): each process's answers counted per org and minute in a
// fixed histogram, written to the database, read back summed over every process.

const WINDOW_MS = 15 * 60_000;

afterAll(async () => {
  await disconnectDb();
});

describe("the histogram", () => {
  it("puts an answer in the first bucket whose bound it does not pass, and anything longer in the last", () => {
    expect(bucketOf(0.3)).toBe(0);
    expect(bucketOf(1)).toBe(0);
    expect(bucketOf(1.01)).toBe(1);
    expect(bucketOf(499)).toBe(LATENCY_BUCKETS_MS.indexOf(500));
    expect(bucketOf(10 * 60_000)).toBe(LATENCY_BUCKETS_MS.length - 1);
  });

  it("gives a quantile as the bound of the bucket its nearest rank falls in", () => {
    const counts = LATENCY_BUCKETS_MS.map(() => 0);
    counts[bucketOf(3)] = 98; // ≤ 5 ms
    counts[bucketOf(150)] = 1; // ≤ 200 ms
    counts[bucketOf(4_000)] = 1; // ≤ 5,000 ms
    expect(quantileBound(counts, 0.5)).toBe(5);
    expect(quantileBound(counts, 0.99)).toBe(200);
    expect(quantileBound(counts, 1)).toBe(5_000);
    expect(
      quantileBound(
        LATENCY_BUCKETS_MS.map(() => 0),
        0.5,
      ),
    ).toBeNull();
  });
});

describe("across processes, through the database", () => {
  it("sums the org's answers in the window, and another org's are not its own", async () => {
    const a = await createTestOrg({ label: "latency-a" });
    const b = await createTestOrg({ label: "latency-b" });
    const now = Date.now();
    for (let i = 0; i < 99; i++) recordDecisionLatency(a.org.id, 3, now - 1_000);
    recordDecisionLatency(a.org.id, 900, now - 1_000);
    await flushDecisionLatency(now);
    // Another process's counts for the same minute: a row of its own, summed with this one's.
    const minute = new Date(Math.floor((now - 1_000) / 60_000) * 60_000);
    const other = LATENCY_BUCKETS_MS.map(() => 0);
    other[bucketOf(1_500)] = 50;
    await db().pool.query(`INSERT INTO decision_latency (org_id, minute, instance, counts) VALUES ($1, $2, 'other-process', $3)`, [a.org.id, minute, other]);
    expect(await decisionLatencyOf(a.org.id, WINDOW_MS, now)).toEqual({ samples: 150, p50Ms: 5, p99Ms: 2_000 });
    expect(await decisionLatencyOf(b.org.id, WINDOW_MS, now)).toEqual({ samples: 0, p50Ms: null, p99Ms: null });
  });

  it("leaves out minutes before the window", async () => {
    const c = await createTestOrg({ label: "latency-window" });
    const now = Date.now();
    recordDecisionLatency(c.org.id, 700, now - WINDOW_MS - 120_000);
    recordDecisionLatency(c.org.id, 4, now - 10);
    await flushDecisionLatency(now);
    expect(await decisionLatencyOf(c.org.id, WINDOW_MS, now)).toEqual({ samples: 1, p50Ms: 5, p99Ms: 5 });
  });

  it("writes a process's later answers of a minute over its earlier count, never twice", async () => {
    const d = await createTestOrg({ label: "latency-twice" });
    const now = Date.now();
    recordDecisionLatency(d.org.id, 12, now);
    await flushDecisionLatency(now);
    recordDecisionLatency(d.org.id, 12, now);
    await flushDecisionLatency(now);
    await flushDecisionLatency(now);
    expect((await decisionLatencyOf(d.org.id, WINDOW_MS, now)).samples).toBe(2);
  });
});

import { isDomainError } from "@gatehouse/core";
import { describe, expect, it } from "vitest";
import { FairShare, fairShareLimits } from "../src/infra/fair-share";

// The fair-share queue on its own (no database): per-org and total caps, the bounded queue and its
// wait limit (429 with Retry-After, for that org only), and orgs taking turns when a slot frees.

interface Gate {
  done: Promise<void>;
  open: () => void;
}

function gate(): Gate {
  let open = () => {};
  const done = new Promise<void>((resolve) => (open = resolve));
  return { done, open };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("fairShareLimits", () => {
  it.each([
    [1, { total: 1, perOrg: 1 }],
    [4, { total: 1, perOrg: 1 }],
    [10, { total: 2, perOrg: 2 }],
    [40, { total: 10, perOrg: 2 }],
  ])("a pool of %i: slots holding at most half the pool (two connections each), two per org", (pool, expected) => {
    expect(fairShareLimits(pool)).toMatchObject(expected);
  });
});

describe("FairShare", () => {
  it("runs at most perOrg of one org at once; the rest wait in order", async () => {
    const share = new FairShare({ total: 10, perOrg: 2, queuePerOrg: 10, maxWaitMs: 5_000 });
    const gates = Array.from({ length: 5 }, gate);
    const started: number[] = [];
    const runs = gates.map((g, i) =>
      share.run("org_a", "work", async () => {
        started.push(i);
        await g.done;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect(share.stats("org_a")).toMatchObject({ running: 2, waiting: 3 });
    gates[1]?.open();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    for (const g of gates) g.open();
    await Promise.all(runs);
    expect(share.stats("org_a")).toEqual({ running: 0, waiting: 0, peakRunning: 2 });
  });

  it("a full queue refuses that org at once with 429 and Retry-After; another org still runs", async () => {
    const share = new FairShare({ total: 10, perOrg: 1, queuePerOrg: 2, maxWaitMs: 5_000 });
    const hold = gate();
    const runs = [0, 1, 2].map(() => share.run("org_a", "audit verification", () => hold.done));
    const refused = await share.run("org_a", "audit verification", async () => "ran").catch((error: unknown) => error);
    expect(isDomainError(refused) && refused.code).toBe("RATE_LIMITED");
    expect(isDomainError(refused) && refused.retryAfterSeconds).toBeGreaterThan(0);
    expect(await share.run("org_b", "audit verification", async () => "ran")).toBe("ran");
    hold.open();
    await Promise.all(runs);
  });

  it("a call that waits longer than maxWaitMs is refused with 429 and leaves the queue", async () => {
    const share = new FairShare({ total: 10, perOrg: 1, queuePerOrg: 5, maxWaitMs: 30 });
    const hold = gate();
    const first = share.run("org_a", "export", () => hold.done);
    const waited = await share.run("org_a", "export", async () => "ran").catch((error: unknown) => error);
    expect(isDomainError(waited) && waited.code).toBe("RATE_LIMITED");
    expect(share.stats("org_a").waiting).toBe(0);
    hold.open();
    await first;
    expect(await share.run("org_a", "export", async () => "ran")).toBe("ran");
  });

  it("when the total is reached, a freed slot goes to the orgs in turn, not to the org with the longest queue", async () => {
    const share = new FairShare({ total: 1, perOrg: 1, queuePerOrg: 10, maxWaitMs: 5_000 });
    const order: string[] = [];
    const hold = gate();
    const first = share.run("org_a", "work", () => hold.done);
    const a = [1, 2, 3].map((i) => share.run("org_a", "work", async () => void order.push(`a${i}`)));
    const b = share.run("org_b", "work", async () => void order.push("b1"));
    hold.open();
    await Promise.all([first, ...a, b]);
    expect(order.indexOf("b1")).toBeLessThanOrEqual(1);
  });

  it("a slot is freed when the work fails, and a release called twice frees it once", async () => {
    const share = new FairShare({ total: 1, perOrg: 1, queuePerOrg: 1, maxWaitMs: 5_000 });
    await expect(
      share.run("org_a", "work", async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    const release = await share.acquire("org_a", "work");
    release();
    release();
    expect(share.stats("org_a").running).toBe(0);
    const again = await share.acquire("org_a", "work");
    const waiting = share.acquire("org_b", "work");
    await tick();
    expect(share.stats("org_b").waiting).toBe(1);
    again();
    (await waiting)();
  });
});

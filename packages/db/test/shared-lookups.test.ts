import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { agentSnapshot, forgetAgent, SNAPSHOT_TTL_MS } from "../src/snapshots/agent-snapshot";
import { db, disconnectDb } from "../src/infra/client";
import { SharedLookups } from "../src/infra/shared-lookups";
import { orgSettingsSnapshot, SETTINGS_TTL_MS } from "../src/snapshots/settings-snapshot";
import { getOrgPolicies, REVISION_CHECK_MS } from "../src/snapshots/policy-cache";
import { createTestOrg, type TestOrg } from "../src/testing";

// Every decision reads the agent, the org's settings and its policy revision through short-lived
// caches. When an entry ages out under load, the requests arriving meanwhile must share one read:
// before, each made its own, and hundreds of queries a second queued ahead of the decision writer.

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("SharedLookups", () => {
  it("shares one lookup among concurrent callers with the same key, and starts afresh once it settles", async () => {
    const lookups = new SharedLookups<number>();
    const gate = deferred<number>();
    const lookUp = vi.fn(() => gate.promise);
    const callers = [lookups.run("a", lookUp), lookups.run("a", lookUp), lookups.run("a", lookUp)];
    const other = lookups.run("b", async () => 2);
    gate.resolve(1);
    expect([await Promise.all(callers), await other, lookUp.mock.calls.length]).toEqual([[1, 1, 1], 2, 1]);
    await lookups.run("a", lookUp);
    expect(lookUp).toHaveBeenCalledTimes(2);
  });

  it("after forget, earlier lookups are no longer current and later callers read again", async () => {
    const lookups = new SharedLookups<string>();
    const gate = deferred<string>();
    let earlierCurrent: (() => boolean) | undefined;
    const earlier = lookups.run("k", (isCurrent) => ((earlierCurrent = isCurrent), gate.promise));
    lookups.forget("k");
    const later = lookups.run("k", async (isCurrent) => (isCurrent() ? "fresh" : "stale"));
    gate.resolve("old");
    expect([await earlier, await later, earlierCurrent?.()]).toEqual(["old", "fresh", false]);
  });

  it("a failed lookup reaches every caller sharing it and is not kept", async () => {
    const lookups = new SharedLookups<number>();
    const failing = () => Promise.reject(new Error("database down"));
    await expect(Promise.all([lookups.run("k", failing), lookups.run("k", failing)])).rejects.toThrow("database down");
    expect(await lookups.run("k", async () => 7)).toBe(7);
  });
});

describe("decision-path caches under a burst", () => {
  let org: TestOrg;
  let other: TestOrg;
  beforeAll(async () => {
    [org, other] = await Promise.all([createTestOrg({ label: "burst" }), createTestOrg({ label: "burst-other" })]);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await disconnectDb();
  });

  it("reads an expired agent once for 50 concurrent decisions, and never answers for another org", async () => {
    const reads = vi.spyOn(db().agent, "findUnique");
    const later = Date.now() + 10 * SNAPSHOT_TTL_MS;
    const snapshots = await Promise.all(Array.from({ length: 50 }, () => agentSnapshot(org.org.id, org.agent.id, later)));
    expect([reads.mock.calls.length, new Set(snapshots.map((s) => s?.id)).size, snapshots[0]?.orgId]).toEqual([1, 1, org.org.id]);
    expect(await agentSnapshot(other.org.id, org.agent.id, later)).toBeNull();
    const evenLater = later + 10 * SNAPSHOT_TTL_MS;
    const both = await Promise.all([agentSnapshot(other.org.id, org.agent.id, evenLater), agentSnapshot(org.org.id, org.agent.id, evenLater)]);
    expect(both.map((s) => s?.orgId ?? null)).toEqual([null, org.org.id]);
    reads.mockRestore();
  });

  it("does not cache an agent read that a change overtook", async () => {
    const at = Date.now() + 100 * SNAPSHOT_TTL_MS;
    const reading = agentSnapshot(org.org.id, org.agent.id, at);
    forgetAgent(org.agent.id);
    await reading;
    const reads = vi.spyOn(db().agent, "findUnique");
    await agentSnapshot(org.org.id, org.agent.id, at);
    expect(reads).toHaveBeenCalledTimes(1);
    reads.mockRestore();
  });

  it("reads expired settings and the policy revision once for 50 concurrent decisions", async () => {
    await getOrgPolicies(org.org.id);
    const orgReads = vi.spyOn(db().org, "findUniqueOrThrow");
    const later = Date.now() + 1_000 * Math.max(SETTINGS_TTL_MS, REVISION_CHECK_MS);
    await Promise.all(Array.from({ length: 50 }, () => orgSettingsSnapshot(org.org.id, later)));
    expect(orgReads).toHaveBeenCalledTimes(1);
    await Promise.all(Array.from({ length: 50 }, () => getOrgPolicies(org.org.id, Date.now() + REVISION_CHECK_MS + 1)));
    expect(orgReads).toHaveBeenCalledTimes(2);
    orgReads.mockRestore();
  });
});

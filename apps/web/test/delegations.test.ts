import { describe, expect, it } from "vitest";
import { activeDescendants, delegatedByText, delegateOf, delegationState, isEndedDelegate, relativeTime, treeOrder } from "../src/lib/delegations";

const NOW = Date.parse("2026-11-22T12:00:00Z");

describe("delegationState", () => {
  it("is revoked when revoked (even past expiry), expired at or past expiry, else active", () => {
    expect(delegationState({ revokedAt: "2026-11-22T11:00:00Z", expiresAt: "2026-11-22T11:30:00Z" }, NOW)).toBe("revoked");
    expect(delegationState({ revokedAt: null, expiresAt: "2026-11-22T12:00:00Z" }, NOW)).toBe("expired");
    expect(delegationState({ revokedAt: null, expiresAt: "2026-11-22T12:00:01Z" }, NOW)).toBe("active");
  });
});

describe("relativeTime", () => {
  it("names the coarse distance, future and past", () => {
    expect(relativeTime("2026-11-22T12:00:30Z", NOW)).toBe("in 30s");
    expect(relativeTime("2026-11-22T12:05:59Z", NOW)).toBe("in 5m");
    expect(relativeTime("2026-11-22T09:00:00Z", NOW)).toBe("3h ago");
    expect(relativeTime("2026-11-25T12:00:00Z", NOW)).toBe("in 3d");
    expect(relativeTime("not a time", NOW)).toBe("");
  });
});

const node = (id: string, parentDelegationId: string | null, createdAt: string, revokedAt: string | null = null) => ({ id, parentDelegationId, createdAt, revokedAt });

describe("treeOrder and activeDescendants", () => {
  const nodes = [node("b", null, "2"), node("a", null, "1"), node("a2", "a", "4"), node("a1", "a", "3"), node("a1x", "a1", "5", "6"), node("a1y", "a1x", "7")];
  it("puts each node before its subtree, siblings by creation", () => {
    expect(treeOrder(nodes).map((n) => n.id)).toEqual(["a", "a1", "a1x", "a1y", "a2", "b"]);
  });
  it("counts the descendants a revoke would also end (not those already revoked)", () => {
    expect(activeDescendants(nodes, "a")).toBe(3);
    expect(activeDescendants(nodes, "a1")).toBe(1);
    expect(activeDescendants(nodes, "b")).toBe(0);
  });
});

describe("delegatedByText", () => {
  it("names the delegators, parent first", () => {
    expect(delegatedByText(["root", "build-agent", "reader-2"])).toBe("build-agent ← root");
    expect(delegatedByText(["root", "reader-1"])).toBe("root");
  });
});

describe("delegateOf", () => {
  it("names a delegate's parent from its labels; a root agent has none", () => {
    expect(delegateOf({ labels: { "gatehouse.delegation": "dlg_1", "gatehouse.delegatedBy": "build-agent" } })).toBe("build-agent");
    expect(delegateOf({ labels: { team: "web" } })).toBeNull();
  });
});

describe("isEndedDelegate: what lists leave out unless asked (the Spend page listed revoked delegates as rows)", () => {
  const delegate = { labels: { "gatehouse.delegation": "del_1", "gatehouse.delegatedBy": "planner" } };
  it.each([
    [{ ...delegate, status: "halted" }, true],
    [{ ...delegate, status: "active" }, false],
    [{ labels: {}, status: "halted" }, false],
    [{ labels: { team: "x" }, status: "active" }, false],
  ])("%j → %s", (agent, ended) => {
    expect(isEndedDelegate(agent)).toBe(ended);
  });
});

import { describe, expect, it } from "vitest";
import { staleQueryKeys, type StaleKinds } from "../src/lib/live-invalidation";

// What the console refetches when its event stream hears a burst of the org's events: every view that
// shows what changed follows without a reload (components/live-events.tsx runs these).

const none: StaleKinds = { approvals: false, decisions: false, delegations: false };
const roots = (stale: Partial<StaleKinds>) => staleQueryKeys("acme", { ...none, ...stale }).map((key) => key.join("/"));

describe("the queries a burst of events makes stale", () => {
  it("a decision refreshes the standing grants' calls used, budgets, runs, the overview and the agent's decisions", () => {
    expect(roots({ decisions: true })).toEqual(expect.arrayContaining(["grants/acme", "spend/acme", "runs/acme", "overview/acme", "agent-decisions/acme", "onboarding/acme"]));
    expect(roots({ decisions: true })).not.toContain("approvals/acme");
  });

  it("an approval refreshes the inbox, and the standing grants an approval may have made", () => {
    expect(roots({ approvals: true })).toEqual(expect.arrayContaining(["approvals/acme", "grants/acme", "runs/acme", "overview/acme"]));
    expect(roots({ approvals: true })).not.toContain("spend/acme");
  });

  it("a delegation refreshes only the delegation trees; nothing stale refreshes nothing", () => {
    expect(roots({ delegations: true })).toEqual(["delegations/acme"]);
    expect(roots({})).toEqual([]);
  });

  it("names the org's own queries, each once", () => {
    const keys = staleQueryKeys("beta", { approvals: true, decisions: true, delegations: true });
    expect(keys.every((key) => key[1] === "beta")).toBe(true);
    expect(new Set(keys.map((key) => key.join("/"))).size).toBe(keys.length);
  });
});

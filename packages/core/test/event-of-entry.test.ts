import { describe, expect, it } from "vitest";
import { eventOfEntry, type EventEntry } from "../src/events/event-of-entry";

// Partial data and unknown types on purpose: the projection reads only what it needs, and skips what it does not know.
const entry = (type: string, data: Record<string, unknown>, seq = 7): EventEntry =>
  ({ id: "aud_x", seq, type, agentId: "agt_1", time: "2026-01-01T00:00:00.000Z", data }) as unknown as EventEntry;

describe("eventOfEntry", () => {
  it.each([
    ["action.decided", { status: "executed" }, "action.executed"],
    ["action.decided", { status: "denied", denialReason: "NO_POLICY" }, "action.denied"],
    ["action.decided", { status: "requested", approvalId: "apr_1" }, "approval.requested"],
    ["approval.vote", { decision: "approve", approvals: 1, quorum: 2 }, "approval.voted"],
    ["approval.decided", { status: "approved" }, "approval.decided"],
    ["approval.cancelled", { status: "cancelled" }, "approval.decided"],
    ["approval.expired", { status: "expired" }, "approval.expired"],
    ["delegation.created", { delegationId: "dlg_1", capabilities: ["pr.*"] }, "delegation.created"],
    ["delegation.revoked", { delegationId: "dlg_1" }, "delegation.revoked"],
    ["delegation.expired", { delegationId: "dlg_1" }, "delegation.expired"],
    ["agent.circuit_opened", { from: "closed", to: "open", reason: "10 failures in 60 s" }, "enforcement.triggered"],
    ["agent.anomaly_detected", { kind: "call_rate", recent: 60, baseline: 2 }, "anomaly.detected"],
  ])("%s %j → %s", (type, data, expected) => {
    expect(eventOfEntry(entry(type, data))?.type).toBe(expected);
  });

  it.each(["policy.version", "agent.halted", "key.issued", "action.outcome"])("%s is not an event", (type) => {
    expect(eventOfEntry(entry(type, { status: "executed" }))).toBeNull();
  });

  it("an automatic halt (the system's) is an enforcement, a member's halt is no event", () => {
    const halt = (actor: { type: string; id: string }) => eventOfEntry({ ...entry("agent.halted", { name: "bot", reason: "anomaly: …" }), actor });
    expect(halt({ type: "system", id: "anomaly-detector" })).toMatchObject({
      type: "enforcement.triggered",
      data: { kind: "agent_halted", reason: "anomaly: …", agentName: "bot", agentId: "agt_1" },
    });
    expect(halt({ type: "member", id: "mbr_1" })).toBeNull();
    expect(eventOfEntry({ ...entry("agent.circuit_opened", { from: "closed", to: "open", reason: "r" }), actor: { type: "system", id: "circuit-breaker" } })?.data).toMatchObject({
      kind: "circuit_opened",
      reason: "r",
    });
  });

  it("a published or archived policy is policy.changed with its name, version and change (not its document)", () => {
    const published = eventOfEntry({
      ...entry("policy.version_published", { policyId: "pol_1", name: "no-deletes", version: 3, contentHash: "ab", document: { name: "no-deletes" } }),
      agentId: null,
    });
    expect(published).toMatchObject({ type: "policy.changed", data: { policyName: "no-deletes", version: 3, change: "published", agentId: null } });
    expect(published?.data).not.toHaveProperty("document");
    const archived = eventOfEntry({ ...entry("policy.archived", { policyId: "pol_1", name: "no-deletes", version: 3 }), agentId: null });
    expect(archived).toMatchObject({ type: "policy.changed", data: { policyName: "no-deletes", version: 3, change: "archived" } });
  });

  it("an anomaly event carries its numbers", () => {
    const data = { kind: "denial_rate", recent: 0.6, baseline: 0.1, multiple: 6, threshold: 3, windowMinutes: 5, agentName: "bot" };
    expect(eventOfEntry(entry("agent.anomaly_detected", data))?.data).toMatchObject(data);
  });

  it("a delegation event carries what was delegated, and a delegate's decision its chain", () => {
    const created = eventOfEntry(entry("delegation.created", { delegationId: "dlg_1", childAgentId: "agt_2", capabilities: ["pr.*"], depth: 1, keyPrefix: "not copied" }));
    expect(created?.data).toMatchObject({ delegationId: "dlg_1", childAgentId: "agt_2", capabilities: ["pr.*"], depth: 1 });
    expect(created?.data).not.toHaveProperty("keyPrefix");
    const chain = { rootAgentId: "agt_1", rootAgentName: "root", depth: 1, chain: ["root", "sub"] };
    expect(eventOfEntry(entry("action.decided", { status: "executed", delegation: chain }))?.data.delegation).toEqual(chain);
  });

  it("carries the sequence number as its id, the entry's time, and the fields a client needs", () => {
    const event = eventOfEntry(
      entry(
        "action.decided",
        { status: "requested", approvalId: "apr_1", actionType: "pr.merge", actionId: "act_1", policy: { name: "review", version: 2 }, metadata: { secret: "not copied" } },
        42,
      ),
    );
    expect(event).toEqual({
      id: "42",
      type: "approval.requested",
      data: {
        seq: 42,
        type: "approval.requested",
        at: "2026-01-01T00:00:00.000Z",
        agentId: "agt_1",
        approvalId: "apr_1",
        actionType: "pr.merge",
        actionId: "act_1",
        status: "requested",
        policyName: "review",
        auditEventId: "aud_x",
      },
    });
  });
});

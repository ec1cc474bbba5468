import { describe, expect, it } from "vitest";
import { entryActor, entryResult, type DescribedEntry } from "../src/lib/audit-entry";

const entry = (fields: Partial<DescribedEntry> & { type: string }): DescribedEntry => ({
  actorType: "system",
  actorId: "test",
  agentId: null,
  data: {},
  ...fields,
});

describe("entryResult", () => {
  it("says what every kind of entry decided or recorded", () => {
    const label = (fields: Partial<DescribedEntry> & { type: string }) => entryResult(entry(fields))?.label;
    expect(label({ type: "action.decided", data: { status: "executed" } })).toBe("executed");
    expect(label({ type: "action.decided", data: { status: "requested" } })).toBe("requested");
    expect(label({ type: "approval.vote", data: { decision: "approve" } })).toBe("approve");
    expect(label({ type: "approval.vote", data: { decision: "deny" } })).toBe("deny");
    expect(label({ type: "approval.decided", data: { status: "approved" } })).toBe("approved");
    expect(label({ type: "approval.decided", data: { status: "denied" } })).toBe("denied");
    expect(label({ type: "approval.expired", data: { status: "expired" } })).toBe("expired");
    expect(label({ type: "approval.cancelled", data: {} })).toBe("cancelled");
    expect(label({ type: "action.outcome", data: { status: "success" } })).toBe("success");
    expect(label({ type: "action.outcome", data: { status: "failure" } })).toBe("failure");
    expect(label({ type: "action.outcome", data: { status: "partial" } })).toBe("partial");
    expect(label({ type: "key.issued", data: { kind: "agent" } })).toBe("issued");
    expect(label({ type: "key.revoked" })).toBe("revoked");
    expect(label({ type: "policy.version_published", data: { version: 3 } })).toBe("published v3");
    expect(label({ type: "policy.archived" })).toBe("archived");
    expect(label({ type: "agent.halted" })).toBe("halted");
    expect(label({ type: "something.newly_invented" })).toBe("newly invented");
  });

  it("gives each a tone", () => {
    expect(entryResult(entry({ type: "approval.vote", data: { decision: "approve", approvals: 1, quorum: 2 } }))).toEqual({
      label: "approve",
      tone: "good",
      hint: "Voted to approve (1 of 2 approvals after this vote)",
    });
    expect(entryResult(entry({ type: "action.outcome", data: { status: "failure" } }))?.tone).toBe("bad");
  });
});

describe("entryActor", () => {
  const agents = new Map([["agent_1", "demo-agent"]]);

  it("names an agent by its name", () => {
    expect(entryActor(entry({ type: "action.decided", actorType: "agent", actorId: "agent_1", agentId: "agent_1" }), { agents }).label).toBe("demo-agent");
    expect(entryActor(entry({ type: "action.decided", actorType: "agent", actorId: "agent_2", agentId: "agent_2", data: { agentName: "other" } })).label).toBe("other");
    const delegate = entry({
      type: "action.decided",
      actorType: "agent",
      actorId: "agent_3",
      agentId: "agent_3",
      data: { agentName: "reader-2" },
      canonical: JSON.stringify({ actor: { type: "agent", id: "agent_3", agentChain: ["agent_1", "agent_9", "agent_3"] } }),
    });
    expect(entryActor(delegate, { agents }).label).toBe("reader-2, delegated by agent_9 ← demo-agent");
    expect(entryActor(delegate, { agents }).detail).toBe("agent agent_3 · delegated by agent_9 ← agent_1");
  });

  it("names a member by the email the entry or the directory knows", () => {
    const vote = entry({ type: "approval.vote", actorType: "member", actorId: "membership_1", data: { member: { id: "membership_1", email: "ana@example.com" } } });
    expect(entryActor(vote)).toEqual({ kind: "member", label: "ana@example.com", detail: "member membership_1" });
    const members = new Map([["membership_2", "bo@example.com"]]);
    expect(entryActor(entry({ type: "key.issued", actorType: "member", actorId: "membership_2" }), { members }).label).toBe("bo@example.com");
    expect(entryActor(entry({ type: "key.issued", actorType: "member", actorId: "membership_3" })).label).toBe("member membership_3");
  });

  it("names an admin key by its member, and the system by its part", () => {
    const canonical = JSON.stringify({ actor: { type: "adminKey", id: "key_1", memberId: "membership_2" } });
    const members = new Map([["membership_2", "bo@example.com"]]);
    expect(entryActor(entry({ type: "policy.archived", actorType: "adminKey", actorId: "key_1", canonical }), { members }).label).toBe("admin key of bo@example.com");
    expect(entryActor(entry({ type: "policy.archived", actorType: "adminKey", actorId: "key_1", canonical })).label).toBe("admin key of membership_2");
    expect(entryActor(entry({ type: "org.created", actorType: "system", actorId: "create-org" })).label).toBe("system (create-org)");
  });
});

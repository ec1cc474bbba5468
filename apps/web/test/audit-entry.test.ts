import { describe, expect, it } from "vitest";
import type { AuditEntry } from "../src/lib/audit";
import { isoToUtcInput, summarize, utcInputToIso } from "../src/lib/audit";
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

describe("entries of a first hour", () => {
  const auditEntry = (type: string, data: Record<string, unknown>): AuditEntry => ({
    id: "aud_1",
    seq: 1,
    type,
    actorType: "member",
    actorId: "membership_1",
    agentId: null,
    subjectId: null,
    createdAt: "2026-11-23T04:00:00.000Z",
    leafHash: "",
    chainHash: "",
    canonical: "",
    data,
  });

  it("names the policy of a policy.* entry, with its version", () => {
    const published = summarize(auditEntry("policy.version_published", { policyId: "policy_1", name: "review-merges", version: 2, contentHash: "ab" }));
    expect([published.policyName, published.policyVersion]).toEqual(["review-merges", 2]);
    const archived = summarize(auditEntry("policy.archived", { policyId: "policy_1", name: "gate-db", version: 1 }));
    expect([archived.policyName, archived.policyVersion]).toEqual(["gate-db", 1]);
    // A decision still names the policy that decided, not a field of its own called name.
    expect(summarize(auditEntry("action.decided", { name: "x", policy: { name: "allow-pr", version: 3 } })).policyName).toBe("allow-pr");
  });

  it("names the member who joined by their email", () => {
    const joined = entry({
      type: "member.joined",
      actorType: "member",
      actorId: "membership_7",
      subjectId: "membership_7",
      data: { userId: "user_7", email: "new@example.com", role: "approver" },
    });
    expect(entryActor(joined).label).toBe("new@example.com");
    expect(entryResult(joined)?.label).toBe("joined");
    // An email in the data names the actor only when the entry is about that member.
    expect(entryActor(entry({ type: "member.invited", actorType: "member", actorId: "membership_1", subjectId: "inv_1", data: { email: "guest@example.com" } })).label).toBe(
      "member membership_1",
    );
  });

  it("shows a reviewer's denial as a denial", () => {
    const vote = entryResult(entry({ type: "approval.vote", data: { decision: "deny", approvals: 0, quorum: 1, status: "denied" } }));
    expect(vote?.tone).toBe("bad");
    const ended = entryResult(entry({ type: "approval.decided", data: { status: "denied", denialReason: "DENIED_BY_REVIEWER" } }));
    expect([ended?.label, ended?.tone]).toEqual(["denied", "bad"]);
    expect(entryResult(entry({ type: "approval.vote_refused", data: { reason: "SELF_APPROVAL" } }))?.tone).toBe("bad");
  });
});

describe("the time range filter's inputs", () => {
  it("reads a datetime-local value as UTC and writes it back", () => {
    expect(utcInputToIso("2026-11-23T04:05")).toBe("2026-11-23T04:05:00.000Z");
    expect(utcInputToIso("2026-11-23T04:05:30")).toBe("2026-11-23T04:05:30.000Z");
    expect(utcInputToIso("")).toBeUndefined();
    expect(utcInputToIso("2026-11-23")).toBeUndefined();
    expect(isoToUtcInput("2026-11-23T04:05:00.000Z")).toBe("2026-11-23T04:05");
    expect(isoToUtcInput("2026-11-23T05:05:30+01:00")).toBe("2026-11-23T04:05:30");
    expect(isoToUtcInput(undefined)).toBe("");
  });
});

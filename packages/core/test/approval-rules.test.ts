import { describe, expect, it } from "vitest";
import { eligibility, isOverdue, type ApprovalState, type Voter } from "../src/approvals/approval-rules";

const now = new Date("2026-01-01T00:00:00Z");
const later = new Date("2026-01-01T01:00:00Z");

const member = (n: number, role: Voter["role"] = "approver"): Voter => ({ membershipId: `mem_${n}`, userId: `usr_${n}`, email: `m${n}@example.test`, role });

function state(overrides: Partial<ApprovalState> = {}): ApprovalState {
  return {
    status: "pending",
    expiresAt: later,
    votes: [],
    quorum: 1,
    approverRoles: ["approver", "admin", "owner"],
    approverMemberIds: [],
    excludeAgentOwner: false,
    requestedBy: null,
    agentOwnerMembershipId: null,
    ...overrides,
  };
}

describe("eligibility", () => {
  it.each([
    ["an approver role", state(), member(1, "approver"), true],
    ["an owner", state(), member(1, "owner"), true],
    ["a viewer", state(), member(1, "viewer"), false],
    ["an auditor", state(), member(1, "auditor"), false],
    ["a role outside approverRoles", state({ approverRoles: ["owner"] }), member(1, "admin"), false],
    ["a named approver by membership id, whatever the role", state({ approverMemberIds: ["mem_1"] }), member(1, "viewer"), true],
    ["a named approver by user id", state({ approverMemberIds: ["usr_1"] }), member(1, "viewer"), true],
    ["a named approver by email, case-insensitive", state({ approverMemberIds: ["M1@Example.test"] }), member(1, "viewer"), true],
    ["the requester (by email), even as owner", state({ requestedBy: "m1@example.test" }), member(1, "owner"), false],
    ["the requester (by membership id), even when named", state({ requestedBy: "mem_1", approverMemberIds: ["mem_1"] }), member(1), false],
    ["the requester (by user id)", state({ requestedBy: "usr_1" }), member(1), false],
    ["someone other than the requester", state({ requestedBy: "m2@example.test" }), member(1), true],
    ["the agent's owner when excluded", state({ excludeAgentOwner: true, agentOwnerMembershipId: "mem_1" }), member(1, "owner"), false],
    ["the agent's owner when not excluded", state({ excludeAgentOwner: false, agentOwnerMembershipId: "mem_1" }), member(1, "owner"), true],
  ])("%s → %s", (_name, rules, voter, expected) => {
    expect(eligibility(rules, voter).eligible).toBe(expected);
  });

  it("explains a separation-of-duties refusal", () => {
    const verdict = eligibility(state({ requestedBy: "mem_1" }), member(1));
    expect(verdict).toEqual({ eligible: false, reason: expect.stringContaining("separation of duties") });
  });
});

describe("isOverdue", () => {
  it.each([
    ["pending, before the deadline", state(), false],
    ["pending, at the deadline", state({ expiresAt: now }), true],
    ["approved, after the deadline", state({ status: "approved", expiresAt: now }), false],
  ])("%s → %s", (_name, s, expected) => {
    expect(isOverdue(s, now)).toBe(expected);
  });
});

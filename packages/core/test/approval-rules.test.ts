import { describe, expect, it } from "vitest";
import { castVote, eligibility, isOverdue, type ApprovalState, type Voter } from "../src/approvals/approval-rules";
import { DomainError } from "../src/errors";

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

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return (error as DomainError).code;
  }
  return "none";
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

describe("castVote", () => {
  it("approves at quorum 1 with one approval", () => {
    expect(castVote(state(), member(1), "approve", now)).toEqual({ status: "approved", approvals: 1, final: true });
  });

  it("stays pending below quorum and approves at the second distinct approval (2 of 3)", () => {
    const first = castVote(state({ quorum: 2 }), member(1), "approve", now);
    expect(first).toEqual({ status: "pending", approvals: 1, final: false });
    const second = castVote(state({ quorum: 2, votes: [{ membershipId: "mem_1", decision: "approve" }] }), member(2), "approve", now);
    expect(second).toEqual({ status: "approved", approvals: 2, final: true });
  });

  it("lets any eligible deny end it (veto), even after approvals", () => {
    const outcome = castVote(
      state({
        quorum: 3,
        votes: [
          { membershipId: "mem_1", decision: "approve" },
          { membershipId: "mem_2", decision: "approve" },
        ],
      }),
      member(3),
      "deny",
      now,
    );
    expect(outcome).toEqual({ status: "denied", approvals: 2, final: true });
  });

  it("refuses a second vote by the same member (CONFLICT)", () => {
    expect(codeOf(() => castVote(state({ quorum: 2, votes: [{ membershipId: "mem_1", decision: "approve" }] }), member(1), "approve", now))).toBe("CONFLICT");
  });

  it.each(["approved", "denied", "expired", "cancelled"] as const)("refuses a vote on a %s approval (CONFLICT)", (status) => {
    expect(codeOf(() => castVote(state({ status }), member(1), "approve", now))).toBe("CONFLICT");
  });

  it("refuses a vote after the deadline (CONFLICT, status expired)", () => {
    try {
      castVote(state({ expiresAt: now }), member(1), "approve", now);
      expect.unreachable();
    } catch (error) {
      expect((error as DomainError).code).toBe("CONFLICT");
      expect((error as DomainError).details).toEqual({ status: "expired" });
    }
  });

  it.each([
    ["a role that may not approve", state(), member(1, "viewer")],
    ["the requester", state({ requestedBy: "m1@example.test" }), member(1)],
    ["the excluded owner", state({ excludeAgentOwner: true, agentOwnerMembershipId: "mem_1" }), member(1)],
  ])("refuses %s (FORBIDDEN), for deny as for approve", (_name, s, voter) => {
    expect(codeOf(() => castVote(s, voter, "approve", now))).toBe("FORBIDDEN");
    expect(codeOf(() => castVote(s, voter, "deny", now))).toBe("FORBIDDEN");
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

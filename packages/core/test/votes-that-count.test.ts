import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Voter } from "../src/approvals/approval-rules";
import { judgeVote, tallyVotes, VOTE_CHANNELS, type AuthorityRule, type AuthorityState, type CastVote, type VoteChannel } from "../src/approvals/authority";
import { MEMBER_ROLES, type MemberRole } from "../src/permissions";

// Who a vote must prove, and whose votes still count (docs/approvals.md, Who may decide). The attacker
// of the first table holds the Slack app's signing secret, so can sign a click as any member: a click
// does not count where the rule rests on who votes (a quorum above one, named approvers, separation of
// duties); the voter confirms in the console. The second: a member who voted, then was removed or moved
// to a role that may not decide, while the approval waited.

const now = new Date("2026-01-01T00:00:00Z");
const later = new Date("2026-01-01T01:00:00Z");
const member = (n: number, role: MemberRole = "approver"): Voter => ({ membershipId: `mem_${n}`, userId: `usr_${n}`, email: `m${n}@example.test`, role });

function rule(overrides: Partial<AuthorityRule> = {}): AuthorityRule {
  return {
    quorum: 1,
    approverRoles: ["approver", "admin", "owner"],
    approverMemberIds: [],
    excludeAgentOwner: false,
    requestedBy: null,
    agentOwnerMembershipId: null,
    humanOnly: false,
    humanEachTime: false,
    system: false,
    ...overrides,
  };
}
const pending = (r: Partial<AuthorityRule>, votes: CastVote[] = []): AuthorityState => ({ rule: rule(r), status: "pending", expiresAt: later, votes });

describe("a Slack click counts only where the rule does not rest on who clicked", () => {
  const STRICT: Array<[string, Partial<AuthorityRule>]> = [
    ["a quorum of 2", { quorum: 2 }],
    ["named approvers", { approverMemberIds: ["mem_1"] }],
    ["a requester who may not approve (separation of duties)", { requestedBy: "someone@example.test" }],
    ["the agent's owner excluded (separation of duties)", { excludeAgentOwner: true, agentOwnerMembershipId: "mem_9" }],
  ];

  it.each(STRICT)("%s: a Slack click (signed with the app's secret, as any member) is refused, and told to confirm in the console", (_name, r) => {
    const verdict = judgeVote({ state: pending(r), voter: member(1), channel: "slack", now });
    expect(verdict).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(verdict.ok ? "" : verdict.reason).toMatch(/confirm your vote in the console/);
  });

  it.each(STRICT)("%s: the same member's vote in the console (the confirmation) counts", (_name, r) => {
    expect(judgeVote({ state: pending(r), voter: member(1), channel: "console", now }).ok).toBe(true);
  });

  it("an approval any one eligible member may decide alone still takes a Slack click (the threat docs/approvals.md states)", () => {
    expect(judgeVote({ state: pending({}), voter: member(1), channel: "slack", now }).ok).toBe(true);
  });
});

describe("only votes of members who may still decide count", () => {
  const A = member(1);
  const B = member(2);
  const approveBy = (m: Voter, countsFor: Voter = m): CastVote => ({ membershipId: m.membershipId, countsFor: countsFor.membershipId, decision: "approve" });
  const membersOf = (...ms: Voter[]) => new Map(ms.map((m) => [m.membershipId, m]));

  it.each<[string, "approved" | "pending", number, Map<string, Voter>]>([
    ["A still an approver", "approved", 2, membersOf(A, B)],
    ["A removed from the org", "pending", 1, membersOf(B)],
    ["A moved to viewer", "pending", 1, membersOf({ ...A, role: "viewer" }, B)],
    ["A moved to auditor", "pending", 1, membersOf({ ...A, role: "auditor" }, B)],
    ["A moved to admin (still eligible)", "approved", 2, membersOf({ ...A, role: "admin" }, B)],
  ])("quorum 2, A votes, then %s, then B votes → %s", (_name, status, approvals, members) => {
    expect(tallyVotes({ rule: rule({ quorum: 2 }), votes: [approveBy(A), approveBy(B)], members })).toEqual({ status, approvals });
  });

  it("a stand-in's vote stops counting when the absent member it stood for is removed, or the stand-in is", () => {
    const absent = member(3, "owner");
    const standIn = member(4, "owner");
    const votes = [approveBy(standIn, absent), approveBy(B)];
    const r = rule({ quorum: 2, approverRoles: ["owner", "approver"] });
    expect(tallyVotes({ rule: r, votes, members: membersOf(absent, standIn, B) }).status).toBe("approved");
    expect(tallyVotes({ rule: r, votes, members: membersOf(standIn, B) }).status).toBe("pending");
    expect(tallyVotes({ rule: r, votes, members: membersOf(absent, B) }).status).toBe("pending");
    // The stand-in now ranks below the member they voted for.
    expect(tallyVotes({ rule: r, votes, members: membersOf(absent, { ...standIn, role: "approver" }, B) }).status).toBe("pending");
  });

  it("a named approver stays counted whatever their role; a deny by a member removed since is no veto", () => {
    const named = rule({ quorum: 2, approverRoles: ["owner"], approverMemberIds: ["m1@example.test", "mem_2"] });
    expect(tallyVotes({ rule: named, votes: [approveBy(A), approveBy(B)], members: membersOf({ ...A, role: "viewer" }, B) }).status).toBe("approved");
    const deny: CastVote = { membershipId: A.membershipId, countsFor: A.membershipId, decision: "deny" };
    expect(tallyVotes({ rule: rule({ quorum: 1 }), votes: [deny, approveBy(B)], members: membersOf(B) }).status).toBe("approved");
  });
});

// ── The property ───────────────────────────────────────────────────────────────────────────────────

/** The plain statement: who counts now, written apart from the implementation. */
const oracle = {
  refersTo(reference: string | null, m: Voter): boolean {
    if (!reference) return false;
    const r = reference.trim().toLowerCase();
    return [m.membershipId, m.userId, m.email].some((id) => id.toLowerCase() === r);
  },
  /** A member now, admitted by the rule (role or name), and not barred by separation of duties. */
  eligibleNow(r: AuthorityRule, m: Voter | undefined): boolean {
    if (!m) return false;
    const barred = oracle.refersTo(r.requestedBy, m) || (r.excludeAgentOwner && r.agentOwnerMembershipId === m.membershipId);
    return !barred && (r.approverRoles.includes(m.role) || r.approverMemberIds.some((ref) => oracle.refersTo(ref, m)));
  },
};

type Step = { kind: "vote"; who: number; channel: VoteChannel } | { kind: "remove"; who: number } | { kind: "role"; who: number; role: MemberRole };

interface World {
  roles: MemberRole[];
  rule: AuthorityRule;
  handovers: Array<[number, number]>;
  steps: Step[];
}

const world: fc.Arbitrary<World> = fc.array(fc.constantFrom(...MEMBER_ROLES), { minLength: 2, maxLength: 6 }).chain((roles) => {
  const who = fc.nat({ max: roles.length - 1 });
  const ids = roles.map((_, i) => `mem_${i + 1}`);
  return fc.record({
    roles: fc.constant(roles),
    rule: fc.record({
      quorum: fc.integer({ min: 1, max: 3 }),
      approverRoles: fc.subarray([...MEMBER_ROLES], { minLength: 1 }),
      approverMemberIds: fc.array(fc.constantFrom(...ids), { maxLength: 2 }),
      excludeAgentOwner: fc.boolean(),
      requestedBy: fc.option(fc.constantFrom(...ids, "someone-else@example.test"), { nil: null }),
      agentOwnerMembershipId: fc.option(fc.constantFrom(...ids), { nil: null }),
      humanOnly: fc.boolean(),
      humanEachTime: fc.constant(false),
      system: fc.constant(false),
    }),
    handovers: fc.array(fc.tuple(who, who), { maxLength: 2 }),
    steps: fc.array(
      fc.oneof(
        { weight: 5, arbitrary: fc.record({ kind: fc.constant("vote" as const), who, channel: fc.constantFrom(...VOTE_CHANNELS) }) },
        { weight: 2, arbitrary: fc.record({ kind: fc.constant("remove" as const), who }) },
        { weight: 2, arbitrary: fc.record({ kind: fc.constant("role" as const), who, role: fc.constantFrom(...MEMBER_ROLES) }) },
      ),
      { minLength: 2, maxLength: 12 },
    ),
  });
});

describe("property: no approval is decided with fewer distinct currently-eligible people than its quorum", () => {
  it("over generated orgs, rules, hand-overs, channels, votes, removals and role changes", () => {
    fc.assert(
      fc.property(world, (w) => {
        const members = new Map(w.roles.map((role, i) => [`mem_${i + 1}`, member(i + 1, role)]));
        let s: AuthorityState = { rule: w.rule, status: "pending", expiresAt: later, votes: [] };
        for (const step of w.steps) {
          if (s.status !== "pending") break;
          const id = `mem_${step.who + 1}`;
          const current = members.get(id);
          if (!current) continue;
          if (step.kind === "remove") members.delete(id);
          else if (step.kind === "role") members.set(id, { ...current, role: step.role });
          else {
            // Every channel resolves the voter to the member as they are now; a member removed casts nothing.
            const absent = w.handovers.filter(([from, to]) => to === step.who && from !== to).flatMap(([from]) => members.get(`mem_${from + 1}`) ?? []);
            const verdict = judgeVote({ state: s, voter: current, channel: step.channel, absent, now });
            if (!verdict.ok) continue;
            const votes = [...s.votes, { membershipId: id, countsFor: verdict.countsFor.membershipId, decision: "approve" as const }];
            s = { ...s, votes, status: tallyVotes({ rule: w.rule, votes, members }).status };
          }
          if (s.status === "approved") {
            // The people it counts: those it counts for, each a member now and admitted now, cast by someone still a member and not barred.
            const people = new Set(
              s.votes
                .filter((v) => oracle.eligibleNow(w.rule, members.get(v.countsFor)) && members.has(v.membershipId))
                .filter((v) => v.membershipId === v.countsFor || oracle.eligibleNow({ ...w.rule, approverRoles: [...MEMBER_ROLES] }, members.get(v.membershipId)))
                .map((v) => v.countsFor),
            );
            expect(people.size).toBeGreaterThanOrEqual(w.rule.quorum);
          }
        }
      }),
      { numRuns: 2_000, seed: 62 },
    );
  }, 60_000);
});

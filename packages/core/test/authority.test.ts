import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Voter } from "../src/approvals/approval-rules";
import {
  grantorCannotCover,
  grantRefusalFor,
  handoverRefusal,
  judgeVote,
  tallyVotes,
  VOTE_CHANNELS,
  type AuthorityRule,
  type AuthorityState,
  type CastVote,
  type VoteChannel,
} from "../src/approvals/authority";
import { MEMBER_ROLES, ROLE_RANKING, type MemberRole } from "../src/permissions";

// The one authority over approvals (docs/approvals.md, Who may decide). Tables for the cases people
// name, and properties over generated orgs, rules, hand-overs, channels and sequences of votes, checked
// against a plain statement of the rule written independently of the implementation.

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
const state = (r: Partial<AuthorityRule> = {}, votes: CastVote[] = [], status: AuthorityState["status"] = "pending"): AuthorityState => ({
  rule: rule(r),
  status,
  expiresAt: later,
  votes,
});

describe("judgeVote: the cases people name", () => {
  it.each([
    ["an eligible approver, console", state(), member(1), "console", true],
    ["a viewer", state(), member(1, "viewer"), "console", false],
    ["the requester, by email in another case", state({ requestedBy: "M1@Example.TEST" }), member(1, "owner"), "console", false],
    ["the agent's excluded owner", state({ excludeAgentOwner: true, agentOwnerMembershipId: "mem_1" }), member(1, "owner"), "api", false],
    ["a key on a human-only rule", state({ humanOnly: true }), member(1), "api", false],
    ["Slack on a human-only rule", state({ humanOnly: true }), member(1), "slack", false],
    ["an emailed link on a human-only rule", state({ humanOnly: true }), member(1), "email", true],
    ["Slack on Gatehouse's own rule (two-admin)", state({ system: true, approverRoles: ["owner", "admin"] }), member(1, "admin"), "slack", false],
    ["an admin key on Gatehouse's own rule", state({ system: true, approverRoles: ["owner", "admin"] }), member(1, "admin"), "api", true],
    ["someone who already voted", state({ quorum: 2 }, [{ membershipId: "mem_1", countsFor: "mem_1", decision: "approve" }]), member(1), "slack", false],
    ["someone a stand-in already voted for", state({ quorum: 2 }, [{ membershipId: "mem_9", countsFor: "mem_1", decision: "approve" }]), member(1), "console", false],
    ["a decided approval", state({}, [], "approved"), member(1), "console", false],
  ] as const)("%s → %s", (_name, s, voter, channel, ok) => {
    expect(judgeVote({ state: s, voter, channel, now }).ok).toBe(ok);
  });

  it("refuses after the deadline as a conflict with status expired", () => {
    expect(judgeVote({ state: { ...state(), expiresAt: now }, voter: member(1), channel: "console", now })).toMatchObject({ ok: false, code: "CONFLICT", status: "expired" });
  });

  it("names why separation of duties refuses", () => {
    expect(judgeVote({ state: state({ requestedBy: "mem_1" }), voter: member(1), channel: "console", now })).toMatchObject({ ok: false, code: "FORBIDDEN", self: "requester" });
  });

  it("lets a stand-in vote as a named absent member of no higher rank, once between them", () => {
    const named = state({ quorum: 2, approverRoles: ["owner"], approverMemberIds: ["mem_1", "mem_2"] });
    const verdict = judgeVote({ state: named, voter: member(3), channel: "console", absent: [member(1)], now });
    expect(verdict).toMatchObject({ ok: true, countsFor: { membershipId: "mem_1" }, onBehalfOf: { membershipId: "mem_1" } });
    const afterAbsentVoted = { ...named, votes: [{ membershipId: "mem_1", countsFor: "mem_1", decision: "approve" as const }] };
    expect(judgeVote({ state: afterAbsentVoted, voter: member(3), channel: "console", absent: [member(1)], now }).ok).toBe(false);
    // A viewer ranks below the approver they would stand in for.
    expect(judgeVote({ state: named, voter: member(3, "viewer"), channel: "console", absent: [member(1)], now }).ok).toBe(false);
    // Never for an absent member who requested the action.
    expect(judgeVote({ state: { ...named, rule: { ...named.rule, requestedBy: "mem_1" } }, voter: member(3), channel: "console", absent: [member(1)], now }).ok).toBe(false);
  });

  it("tallies distinct members counted, any deny a veto", () => {
    const votes: CastVote[] = [
      { membershipId: "mem_1", countsFor: "mem_1", decision: "approve" },
      { membershipId: "mem_3", countsFor: "mem_2", decision: "approve" },
    ];
    const members = new Map([1, 2, 3, 4].map((n) => [`mem_${n}`, member(n)]));
    expect(tallyVotes({ rule: rule({ quorum: 2 }), votes, members })).toEqual({ status: "approved", approvals: 2 });
    expect(tallyVotes({ rule: rule({ quorum: 3 }), votes, members })).toEqual({ status: "pending", approvals: 2 });
    expect(tallyVotes({ rule: rule({ quorum: 3 }), votes: [...votes, { membershipId: "mem_4", countsFor: "mem_4", decision: "deny" }], members }).status).toBe("denied");
  });

  it("hands over only to a colleague ranking at least as high", () => {
    expect(handoverRefusal(member(1, "owner"), member(2, "viewer"))).toMatch(/owner or higher/);
    expect(handoverRefusal(member(1, "owner"), member(2, "admin"))).not.toBeNull();
    expect(handoverRefusal(member(1, "approver"), member(2, "admin"))).toBeNull();
    expect(handoverRefusal(member(1), member(1))).not.toBeNull();
  });

  it("grants: only what the giver alone could approve, by their own authority", () => {
    expect(grantorCannotCover(rule(), { ...member(1), via: "console" })).toBeNull();
    expect(grantorCannotCover(rule({ quorum: 2 }), { ...member(1), via: "console" })).toMatch(/2 votes/);
    expect(grantorCannotCover(rule({ approverRoles: ["owner"] }), { ...member(1), via: "console" })).not.toBeNull();
    expect(grantorCannotCover(rule({ requestedBy: "m1@example.test" }), { ...member(1), via: "console" })).toMatch(/requested/);
    expect(grantorCannotCover(rule({ humanOnly: true }), { ...member(1), via: "api" })).not.toBeNull();
    expect(grantorCannotCover(rule({ humanEachTime: true }), { ...member(1), via: "console" })).toMatch(/humanEachTime/);
    expect(grantorCannotCover(rule(), null)).toMatch(/no longer/);
    // A stand-in cannot give a grant on an absent member's authority.
    const named = state({ approverRoles: ["owner"], approverMemberIds: ["mem_1"] });
    expect(grantRefusalFor(named, member(3), "console", now)).not.toBeNull();
  });
});

// ── Properties ─────────────────────────────────────────────────────────────────────────────────────

/** The plain statement of the rule, written apart from the implementation. */
const oracle = {
  refersTo(reference: string | null, m: Voter): boolean {
    if (!reference) return false;
    const r = reference.trim().toLowerCase();
    return [m.membershipId, m.userId, m.email].some((id) => id.toLowerCase() === r);
  },
  barred(r: AuthorityRule, m: Voter): boolean {
    return oracle.refersTo(r.requestedBy, m) || (r.excludeAgentOwner && r.agentOwnerMembershipId === m.membershipId);
  },
  /** May decide by their own authority (role or name), separation of duties aside. */
  authorised(r: AuthorityRule, m: Voter): boolean {
    return r.approverRoles.includes(m.role) || r.approverMemberIds.some((ref) => oracle.refersTo(ref, m));
  },
  channelAllowed(r: AuthorityRule, channel: VoteChannel): boolean {
    if (r.humanOnly && channel !== "console" && channel !== "email") return false;
    if (r.system && channel === "slack") return false;
    // A Slack click proves no person: never where the rule needs more than one, names them, or bars the requester or owner.
    if (channel === "slack" && (r.quorum > 1 || r.approverMemberIds.length > 0 || r.requestedBy !== null || r.excludeAgentOwner)) return false;
    return true;
  },
  rank: (role: MemberRole) => ROLE_RANKING.indexOf(role),
};

interface World {
  members: Voter[];
  rule: AuthorityRule;
  /** absent member index → the colleague holding their queue. */
  handovers: Map<number, number>;
  attempts: Array<{ voter: number; channel: VoteChannel; decision: "approve" | "deny" }>;
}

/** A reference to a member the way a policy or a call names one: membership id, user id or email, in any case. */
const referenceTo = (members: Voter[]) =>
  fc.tuple(fc.nat({ max: members.length - 1 }), fc.constantFrom("membershipId", "userId", "email"), fc.boolean()).map(([i, kind, upper]) => {
    const m = members[i] as Voter;
    const ref = m[kind as "membershipId" | "userId" | "email"];
    return upper ? ref.toUpperCase() : ref;
  });

const world: fc.Arbitrary<World> = fc
  .array(fc.constantFrom(...MEMBER_ROLES), { minLength: 2, maxLength: 6 })
  .map((roles) => roles.map((role, i) => member(i + 1, role)))
  .chain((members) =>
    fc.record({
      members: fc.constant(members),
      rule: fc.record({
        quorum: fc.integer({ min: 1, max: 3 }),
        approverRoles: fc.subarray([...MEMBER_ROLES], { minLength: 1 }),
        approverMemberIds: fc.array(referenceTo(members), { maxLength: 2 }),
        excludeAgentOwner: fc.boolean(),
        requestedBy: fc.option(fc.oneof(referenceTo(members), fc.constant("someone-else@example.test")), { nil: null }),
        agentOwnerMembershipId: fc.option(fc.constantFrom(...members.map((m) => m.membershipId)), { nil: null }),
        humanOnly: fc.boolean(),
        humanEachTime: fc.boolean(),
        system: fc.boolean(),
      }),
      handovers: fc
        .array(fc.tuple(fc.nat({ max: members.length - 1 }), fc.nat({ max: members.length - 1 })), { maxLength: 3 })
        .map((pairs) => new Map(pairs.filter(([from, to]) => from !== to))),
      attempts: fc.array(
        fc.record({
          voter: fc.nat({ max: members.length - 1 }),
          channel: fc.constantFrom(...VOTE_CHANNELS),
          decision: fc.constantFrom<"approve" | "deny">("approve", "approve", "approve", "approve", "deny"),
        }),
        { minLength: 1, maxLength: 10 },
      ),
    }),
  );

/** Runs the attempts through the authority as every channel does, keeping what each accepted vote was. */
function play(w: World) {
  let s: AuthorityState = { rule: w.rule, status: "pending", expiresAt: later, votes: [] };
  const accepted: Array<CastVote & { channel: VoteChannel; voter: Voter; principal: Voter }> = [];
  const refusedEligible: string[] = [];
  for (const attempt of w.attempts) {
    const voter = w.members[attempt.voter] as Voter;
    const absent = [...w.handovers].filter(([, to]) => to === attempt.voter).map(([from]) => w.members[from] as Voter);
    const verdict = judgeVote({ state: s, voter, channel: attempt.channel, absent, now });
    // Liveness: a pending approval never refuses someone the rule plainly admits who has not counted yet.
    const counted = new Set(s.votes.flatMap((v) => [v.membershipId, v.countsFor]));
    if (
      !verdict.ok &&
      s.status === "pending" &&
      oracle.authorised(w.rule, voter) &&
      !oracle.barred(w.rule, voter) &&
      oracle.channelAllowed(w.rule, attempt.channel) &&
      !counted.has(voter.membershipId)
    ) {
      refusedEligible.push(`${voter.membershipId} via ${attempt.channel}: ${verdict.reason}`);
    }
    if (!verdict.ok) continue;
    const cast: CastVote = { membershipId: voter.membershipId, countsFor: verdict.countsFor.membershipId, decision: attempt.decision };
    accepted.push({ ...cast, channel: attempt.channel, voter, principal: verdict.countsFor });
    s = { ...s, votes: [...s.votes, cast], status: tallyVotes({ rule: w.rule, votes: [...s.votes, cast], members: new Map(w.members.map((m) => [m.membershipId, m])) }).status };
  }
  return { final: s, accepted, refusedEligible };
}

const RUNS = { numRuns: 3_000, seed: 41 };

describe("properties over generated orgs, rules, hand-overs, channels and votes", () => {
  it("no approval is approved with fewer distinct eligible people than its quorum; a person counts once", () => {
    fc.assert(
      fc.property(world, (w) => {
        const { final, accepted } = play(w);
        // Every person appears in at most one accepted vote, as voter or as the one it counts for.
        const people = accepted.flatMap((v) => [...new Set([v.membershipId, v.countsFor])]);
        expect(new Set(people).size).toBe(people.length);
        if (final.status === "approved") {
          const principals = new Set(accepted.filter((v) => v.decision === "approve").map((v) => v.countsFor));
          expect(principals.size).toBeGreaterThanOrEqual(w.rule.quorum);
          for (const id of principals) {
            const m = w.members.find((x) => x.membershipId === id) as Voter;
            expect(oracle.authorised(w.rule, m) && !oracle.barred(w.rule, m)).toBe(true);
          }
        }
      }),
      RUNS,
    );
  });

  it("the requester and the agent's owner (when excluded) never vote, for themselves or anyone", () => {
    fc.assert(
      fc.property(world, (w) => {
        for (const v of play(w).accepted) {
          expect(oracle.barred(w.rule, v.voter)).toBe(false);
          expect(oracle.barred(w.rule, v.principal)).toBe(false);
        }
      }),
      RUNS,
    );
  });

  it("a human-only rule never counts a key or a Slack click; Gatehouse's own rules never a Slack click", () => {
    fc.assert(
      fc.property(world, (w) => {
        for (const v of play(w).accepted) expect(oracle.channelAllowed(w.rule, v.channel)).toBe(true);
      }),
      RUNS,
    );
  });

  it("a stand-in votes only for a member who handed them their queue, ranking at least as high", () => {
    fc.assert(
      fc.property(world, (w) => {
        for (const v of play(w).accepted) {
          if (v.membershipId === v.countsFor) {
            expect(oracle.authorised(w.rule, v.voter)).toBe(true);
            continue;
          }
          const from = w.members.findIndex((m) => m.membershipId === v.countsFor);
          const to = w.members.findIndex((m) => m.membershipId === v.membershipId);
          expect(w.handovers.get(from)).toBe(to);
          expect(oracle.rank(v.voter.role)).toBeLessThanOrEqual(oracle.rank(v.principal.role));
          expect(oracle.authorised(w.rule, v.principal)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it("refuses nobody the rule plainly admits (so the rule is not kept by refusing everyone)", () => {
    fc.assert(
      fc.property(world, (w) => {
        expect(play(w).refusedEligible).toEqual([]);
      }),
      RUNS,
    );
  });

  it("a grant covers a call exactly when its giver alone could have approved it", () => {
    fc.assert(
      fc.property(world, fc.constantFrom(...VOTE_CHANNELS), fc.boolean(), (w, via, left) => {
        const giver = w.members[0] as Voter;
        const covers = grantorCannotCover(w.rule, left ? null : { ...giver, via }) === null;
        const alone =
          !left &&
          w.rule.quorum === 1 &&
          !w.rule.humanEachTime &&
          !w.rule.system &&
          oracle.channelAllowed(w.rule, via) &&
          oracle.authorised(w.rule, giver) &&
          !oracle.barred(w.rule, giver);
        expect(covers).toBe(alone);
      }),
      { numRuns: 5_000, seed: 41 },
    );
  });
});

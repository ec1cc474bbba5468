import { ROLE_RANKING } from "../permissions";
import { eligibility, selfApprovalReason, type ApprovalRules, type ApprovalStatus, type SelfApprovalReason, type Voter, type VoteDecision } from "./approval-rules";

/**
 * The one authority over approvals (docs/approvals.md, Who may decide): for an approval's rule and the
 * votes so far, whether a person may vote through a channel, as whom, and whether the vote counts; and
 * whether a standing grant may be given, and which later calls it covers. Every channel — the console,
 * admin keys (the API, the CLI, the SDK's admin client), Slack, emailed links, hand-overs, grant creation
 * and grant use — asks these functions; no channel decides eligibility itself. Pure: services resolve the
 * person once, from the channel's proof of identity, to one member, and pass what they read.
 */

/** Where a vote comes from. */
export const VOTE_CHANNELS = ["console", "api", "email", "slack"] as const;
export type VoteChannel = (typeof VOTE_CHANNELS)[number];

/**
 * How each channel proves who votes. `session`: a person signed in to the console (an emailed link decides
 * only from the bound member's signed-in session). `key`: a member's admin key, which a script may hold.
 * `shared_secret`: a Slack click, signed with the app's signing secret, which the admin who connected the
 * app also knows — enough only for an agent's request that any one eligible member may decide alone
 * ({@link ruleNeedsProvenPerson}), never for a change to Gatehouse's own rules.
 */
export const CHANNEL_PROOF: Readonly<Record<VoteChannel, "session" | "key" | "shared_secret">> = {
  console: "session",
  email: "session",
  api: "key",
  slack: "shared_secret",
};

/** An approval's whole rule, as the authority reads it. */
export interface AuthorityRule extends ApprovalRules {
  /** Only a signed-in person decides (the console, an emailed link): no key, no bot, no Slack. */
  humanOnly: boolean;
  /** A person decides every call: no standing grant covers it. */
  humanEachTime: boolean;
  /** Gatehouse's own action under the two-admin rule (a publish, a weakening setting, an erasure, an integration). */
  system: boolean;
}

/** A vote already cast: by whom, and whose vote it counts as (the same member, or the absent member a stand-in voted for). */
export interface CastVote {
  membershipId: string;
  /** The member the vote counts for: `membershipId` itself, or the absent member a stand-in voted in place of. */
  countsFor: string;
  decision: VoteDecision;
}

export interface AuthorityState {
  rule: AuthorityRule;
  status: ApprovalStatus;
  expiresAt: Date;
  votes: readonly CastVote[];
}

export type VoteVerdict =
  | {
      ok: true;
      /** The member the vote counts for: the voter, or the absent member they stand in for. */
      countsFor: Voter;
      /** Set when the voter stands in for an absent member (out of office). */
      onBehalfOf: Voter | null;
    }
  | { ok: false; code: "FORBIDDEN" | "CONFLICT"; reason: string; self?: SelfApprovalReason; status?: ApprovalStatus };

/** Whether a member with role `a` ranks at least as high as one with role `b`. */
function ranksAtLeast(a: Voter["role"], b: Voter["role"]): boolean {
  return ROLE_RANKING.indexOf(a) <= ROLE_RANKING.indexOf(b);
}

/**
 * What of this rule rests on knowing who votes, beyond "some eligible member": more than one person
 * (a quorum above one), named approvers, or separation of duties (a requester who may not vote, an
 * excluded agent owner). A shared secret cannot prove any of these (whoever holds it can sign a click
 * as any member), so a Slack click counts on none of them (null: the rule needs none).
 */
export function ruleNeedsProvenPerson(rule: ApprovalRules): string | null {
  if (rule.quorum > 1) return `it needs ${rule.quorum} different people`;
  if (rule.approverMemberIds.length > 0) return "it names its approvers";
  if (rule.requestedBy !== null || rule.excludeAgentOwner) return "its requester (or the agent's owner) may not approve it";
  return null;
}

/** Whether `channel` may carry a vote on an approval with this rule (null: it may), and why not. */
export function channelRefusal(rule: AuthorityRule, channel: VoteChannel): string | null {
  const proof = CHANNEL_PROOF[channel];
  if (rule.humanOnly && proof !== "session") {
    return `this approval's policy requires a signed-in person to decide it, in the console or by an emailed link; a vote through ${channel === "api" ? "an admin key (the API, the CLI)" : "Slack"} is refused`;
  }
  if (rule.system && proof === "shared_secret") {
    return "a change to Gatehouse's own rules (the two-admin rule) is decided in the console, by an emailed link or with your own admin key, never through Slack";
  }
  const needs = proof === "shared_secret" ? ruleNeedsProvenPerson(rule) : null;
  if (needs) return `a Slack click cannot prove who clicked, and this approval's rule depends on it (${needs}): confirm your vote in the console`;
  return null;
}

/**
 * Whether `voter` may cast `decision` on an approval through `channel`, and whom it counts for.
 * `absent`: the members handing their approvals to `voter` now (out of office). A person counts once
 * however they vote: they may not vote again, directly or in someone's place, and nobody may vote in
 * the place of a member whose vote (their own or a stand-in's) is already cast. A stand-in votes as the
 * absent member, only where the absent member could decide, only when the stand-in's own role ranks at
 * least as high as theirs, and never where the stand-in's own separation of duties bars them.
 */
export function judgeVote(args: { state: AuthorityState; voter: Voter; channel: VoteChannel; absent?: readonly Voter[]; now: Date }): VoteVerdict {
  const { state, voter, channel, now } = args;
  const { rule } = state;
  if (state.status !== "pending") return { ok: false, code: "CONFLICT", reason: `the approval is already ${state.status}`, status: state.status };
  if (state.expiresAt.getTime() <= now.getTime()) return { ok: false, code: "CONFLICT", reason: "the approval expired before this decision", status: "expired" };
  const refusedChannel = channelRefusal(rule, channel);
  if (refusedChannel) return { ok: false, code: "FORBIDDEN", reason: refusedChannel };
  // Separation of duties is the voter's own, whoever they would vote for.
  const self = selfApprovalReason(rule, voter);
  const own = eligibility(rule, voter);
  if (self) return { ok: false, code: "FORBIDDEN", reason: own.eligible ? "separation of duties bars you from this approval" : own.reason, self };
  const counted = new Set(state.votes.flatMap((v) => [v.membershipId, v.countsFor]));
  if (counted.has(voter.membershipId)) {
    return { ok: false, code: "CONFLICT", reason: "you already voted on this approval (or someone voted in your place); it needs another approver", status: state.status };
  }
  if (own.eligible) return { ok: true, countsFor: voter, onBehalfOf: null };
  for (const principal of args.absent ?? []) {
    if (principal.membershipId === voter.membershipId || counted.has(principal.membershipId)) continue;
    if (selfApprovalReason(rule, principal) || !eligibility(rule, principal).eligible) continue;
    if (!ranksAtLeast(voter.role, principal.role)) continue;
    return { ok: true, countsFor: principal, onBehalfOf: principal };
  }
  return { ok: false, code: "FORBIDDEN", reason: own.reason };
}

/**
 * Whether a vote cast earlier still counts now, with the org's members as they are now (`members`, by
 * membership id; a member removed is absent): the member who cast it is still in the org and barred by
 * no separation of duties, and the member it counts for (themselves, or the absent member a stand-in
 * voted for) is still in the org and may still decide this approval by role or by name, the stand-in
 * still ranking at least as high as them. A member removed or moved to a role that may not decide
 * while the approval waits takes their vote (and a stand-in's for them) out of the count.
 */
export function voteCountsNow(rule: ApprovalRules, vote: CastVote, members: ReadonlyMap<string, Voter>): boolean {
  const caster = members.get(vote.membershipId);
  if (!caster || selfApprovalReason(rule, caster)) return false;
  if (vote.countsFor === vote.membershipId) return eligibility(rule, caster).eligible;
  const principal = members.get(vote.countsFor);
  return principal !== undefined && eligibility(rule, principal).eligible && ranksAtLeast(caster.role, principal.role);
}

/**
 * Where the votes take an approval, counting only the votes that count now ({@link voteCountsNow},
 * `members`: the org's members as they are now, by membership id): any such deny ends it (veto);
 * `quorum` distinct members counted approve it.
 */
export function tallyVotes(state: Pick<AuthorityState, "rule" | "votes"> & { members: ReadonlyMap<string, Voter> }): { status: ApprovalStatus; approvals: number } {
  const counting = state.votes.filter((v) => voteCountsNow(state.rule, v, state.members));
  const approvals = new Set(counting.filter((v) => v.decision === "approve").map((v) => v.countsFor)).size;
  if (counting.some((v) => v.decision === "deny")) return { status: "denied", approvals };
  return { status: approvals >= state.rule.quorum ? "approved" : "pending", approvals };
}

/** Whether a hand-over from `from` to `to` may be set: the colleague's role must rank at least as high (null: it may). */
export function handoverRefusal(from: Voter, to: Voter): string | null {
  if (from.membershipId === to.membershipId) return "must be a colleague, not yourself";
  if (!ranksAtLeast(to.role, from.role)) return `must be a colleague whose role could approve what you do: an ${from.role} or higher (they are ${to.role})`;
  return null;
}

// ── Standing grants ─────────────────────────────────────────────────────────────────────────────────

/** The member who gave a grant, as they are now (null: they left the org). */
export interface Grantor extends Voter {
  /** The channel the grant was given through. */
  via: VoteChannel;
}

/**
 * Whether the grantor alone could have approved a call held by `rule` (null: they could), which is
 * what a standing grant stands in for: a quorum of one, no human-each-time mark, not Gatehouse's own
 * rules, the grantor eligible by their role now or by name, not the call's requester nor (when excluded)
 * its agent's owner, and a human-only rule only from a grant given by a signed-in person.
 */
export function grantorCannotCover(rule: AuthorityRule, grantor: Grantor | null): string | null {
  if (!grantor) return "the member who gave it is no longer in the organization";
  if (rule.humanEachTime) return "the policy marks this action humanEachTime: a person decides every call, so no grant covers it";
  if (rule.system) return "Gatehouse's own changes under the two-admin rule are never granted";
  if (rule.quorum > 1) return `this call needs ${rule.quorum} votes: one approver's grant cannot stand in for them`;
  const refusedChannel = channelRefusal(rule, grantor.via);
  if (refusedChannel) return refusedChannel;
  const self = selfApprovalReason(rule, grantor);
  if (self === "requester") return "the grant's giver requested this call";
  if (self === "agent_owner") return "the grant's giver owns this agent, and the policy excludes its owner";
  const verdict = eligibility(rule, grantor);
  return verdict.eligible ? null : verdict.reason;
}

/**
 * Whether `voter` may grant instead of approving this approval through `channel` (null: they may): they
 * must be able to approve it alone, by their own authority (a stand-in's vote is someone else's to give).
 */
export function grantRefusalFor(
  state: AuthorityState,
  voter: Voter,
  channel: VoteChannel,
  now: Date,
): { code: "FORBIDDEN" | "CONFLICT"; reason: string; self?: SelfApprovalReason } | null {
  const verdict = judgeVote({ state, voter, channel, now });
  if (!verdict.ok) return { code: verdict.code, reason: verdict.reason, ...(verdict.self ? { self: verdict.self } : {}) };
  const cannot = grantorCannotCover(state.rule, { ...voter, via: channel });
  return cannot ? { code: "FORBIDDEN", reason: cannot } : null;
}

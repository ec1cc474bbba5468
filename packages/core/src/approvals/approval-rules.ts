import type { DenialReason } from "../actions/denial-reasons";
import { conflict, forbidden } from "../errors";
import type { MemberRole } from "../permissions";

/**
 * The approval state machine, pure: who may vote on an approval, and where a vote takes it.
 * Services load the approval and its votes under a row lock, call `castVote`, and persist what it
 * returns; nothing here reads a clock or a database.
 */
export const APPROVAL_STATUSES = ["pending", "approved", "denied", "expired", "cancelled"] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];
export type VoteDecision = "approve" | "deny";

/** Why an action ends up denied when its approval does not end in `approved`. */
export const APPROVAL_DENIAL_REASON = {
  denied: "DENIED_BY_REVIEWER",
  expired: "APPROVAL_EXPIRED",
  cancelled: "AGENT_HALTED",
} as const satisfies Partial<Record<ApprovalStatus, DenialReason>>;

export interface ApprovalRules {
  quorum: number;
  approverRoles: readonly MemberRole[];
  /** Named approvers: a membership id, user id or email each; eligible whatever their role. */
  approverMemberIds: readonly string[];
  excludeAgentOwner: boolean;
  /** `metadata.requestedBy` of the request: a membership id, user id or email. */
  requestedBy: string | null;
  /** The membership that created the agent, if known. */
  agentOwnerMembershipId: string | null;
}

export interface ApprovalState extends ApprovalRules {
  status: ApprovalStatus;
  expiresAt: Date;
  votes: ReadonlyArray<{ membershipId: string; decision: VoteDecision }>;
}

export interface Voter {
  membershipId: string;
  userId: string;
  email: string;
  role: MemberRole;
}

export type Eligibility = { eligible: true } | { eligible: false; reason: string };

function names(voter: Voter, reference: string): boolean {
  const ref = reference.trim().toLowerCase();
  return ref === voter.membershipId.toLowerCase() || ref === voter.userId.toLowerCase() || ref === voter.email.toLowerCase();
}

/** Why separation of duties bars `voter` from this approval: they requested the action, or own the excluded agent (null: neither). */
export type SelfApprovalReason = "requester" | "agent_owner";
export function selfApprovalReason(rules: ApprovalRules, voter: Voter): SelfApprovalReason | null {
  if (rules.requestedBy && names(voter, rules.requestedBy)) return "requester";
  if (rules.excludeAgentOwner && rules.agentOwnerMembershipId === voter.membershipId) return "agent_owner";
  return null;
}

/** Whether `voter` may vote on an approval with these rules (separation of duties first). */
export function eligibility(rules: ApprovalRules, voter: Voter): Eligibility {
  const self = selfApprovalReason(rules, voter);
  if (self === "requester") {
    return { eligible: false, reason: "you requested this action; someone else must approve it (separation of duties)" };
  }
  if (self === "agent_owner") {
    return { eligible: false, reason: "you created this agent, and the policy excludes the agent's owner from approving its actions" };
  }
  if (rules.approverMemberIds.some((ref) => names(voter, ref))) return { eligible: true };
  if (rules.approverRoles.includes(voter.role)) return { eligible: true };
  const roles = rules.approverRoles.join(", ");
  return {
    eligible: false,
    reason:
      rules.approverMemberIds.length > 0 ? `only the named approvers or the roles ${roles} may decide this approval` : `deciding this approval requires one of the roles: ${roles}`,
  };
}

export interface VoteOutcome {
  /** The status after the vote: still `pending` until quorum, or ended. */
  status: ApprovalStatus;
  /** Distinct approving members after this vote. */
  approvals: number;
  /** True when this vote ended the approval. */
  final: boolean;
}

/**
 * One member's vote. Throws CONFLICT when the approval is no longer pending (the caller records an
 * expiry first when `expiresAt` has passed) or the member already voted, FORBIDDEN when the member
 * is not eligible. Any eligible deny ends it (veto); `quorum` distinct approvals approve it.
 */
export function castVote(state: ApprovalState, voter: Voter, decision: VoteDecision, now: Date): VoteOutcome {
  if (state.status !== "pending") throw conflict(`the approval is already ${state.status}`, { status: state.status });
  if (state.expiresAt.getTime() <= now.getTime()) throw conflict("the approval expired before this decision", { status: "expired" });
  const verdict = eligibility(state, voter);
  if (!verdict.eligible) throw forbidden(verdict.reason);
  if (state.votes.some((v) => v.membershipId === voter.membershipId)) {
    throw conflict("you already voted on this approval; it needs another approver", { status: state.status });
  }
  const approvals = state.votes.filter((v) => v.decision === "approve").length + (decision === "approve" ? 1 : 0);
  if (decision === "deny") return { status: "denied", approvals, final: true };
  if (approvals >= state.quorum) return { status: "approved", approvals, final: true };
  return { status: "pending", approvals, final: false };
}

/** Whether a pending approval has passed its deadline at `now`. */
export function isOverdue(state: Pick<ApprovalState, "status" | "expiresAt">, now: Date): boolean {
  return state.status === "pending" && state.expiresAt.getTime() <= now.getTime();
}

/**
 * Out of office (docs/approvals.md, Hand-over): a member away hands their queue to a colleague for a
 * period. The colleague may decide what the absent member could, in their place: when `voter` may not
 * decide on their own, but one of `absent` (members handing over to them now) may, the answer is the
 * rules with the voter admitted, and whom they stand in for. Separation of duties is the voter's own:
 * a stand-in never approves a request they made, nor (when excluded) one of their own agent's.
 */
export function standIn(rules: ApprovalRules, voter: Voter, absent: readonly Voter[]): { rules: ApprovalRules; onBehalfOf: Voter } | null {
  if (eligibility(rules, voter).eligible || selfApprovalReason(rules, voter)) return null;
  const principal = absent.find((member) => member.membershipId !== voter.membershipId && eligibility(rules, member).eligible);
  if (!principal) return null;
  return { rules: { ...rules, approverMemberIds: [...rules.approverMemberIds, voter.membershipId] }, onBehalfOf: principal };
}

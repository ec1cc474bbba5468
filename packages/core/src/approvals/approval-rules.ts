import type { DenialReason } from "../actions/denial-reasons";
import type { MemberRole } from "../permissions";

/**
 * An approval's rules, pure: who is eligible by role or by name, and who separation of duties bars.
 * The whole verdict on a vote — channel, hand-overs, a person counted once, grants — is the authority's
 * (authority.ts), built on these; nothing here reads a clock or a database.
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

/** Whether a pending approval has passed its deadline at `now`. */
export function isOverdue(state: Pick<ApprovalState, "status" | "expiresAt">, now: Date): boolean {
  return state.status === "pending" && state.expiresAt.getTime() <= now.getTime();
}

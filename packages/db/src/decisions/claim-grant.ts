import { grantorCannotCover, type ApprovalOptions, type AuthorityRule, type Decision, type GrantRef, type MemberRole, type VoteChannel } from "@gatehouse/core";
import { db } from "../infra/client";

/**
 * Standing grants on the decision path (docs/approvals.md, Standing grants). A call a policy would hold
 * for a person goes through when a live grant covers it: the same agent and action, the call's metadata
 * containing the grant's `match`, not revoked, not expired, uses left, its approval decided approved (a grant
 * exists a moment before the vote that approves its request, and covers nothing until then: a call in
 * that moment, or under one whose approval was denied, waits for a person) — and a giver who alone could
 * approve what holds this call now (core's `grantorCannotCover`: a quorum of one, their role now or their
 * name, not the call's requester nor its agent's excluded owner, a human-only rule only from a person's
 * grant). `execute` claims a use in its batch, under the org's lock, only for a call that is not denied
 * there (commit-contributors.ts); `canI` looks without taking one (`peekGrant`), so both
 * answer alike.
 */
export interface GrantQuery {
  orgId: string;
  agentId: string;
  actionType: string;
  /** The call's metadata as it is written (screened): what a grant's `match` was taken from. */
  metadata: Record<string, unknown>;
  /** The rule that holds this call (its policy's approval block, this call's requester); the agent's owner is read here. */
  rule: Omit<AuthorityRule, "agentOwnerMembershipId">;
  at: Date;
}

/**
 * What a grant would be looked for with, or null when none may cover the call: one refused before policy
 * (a gate, the content rules), a report-only trial, or a decision that does not hold it for a person.
 * `requestMetadata` is the call as sent: its `requestedBy` is the requester separation of duties reads.
 */
export function grantQuery(args: {
  orgId: string;
  agentId: string;
  actionType: string;
  metadata: Record<string, unknown>;
  requestMetadata: Record<string, unknown>;
  decision: Pick<Decision, "effect" | "mode" | "approval">;
  refusedBeforePolicy: boolean;
  reportOnly: boolean;
  at: Date;
}): GrantQuery | null {
  const { decision } = args;
  if (args.refusedBeforePolicy || args.reportOnly || decision.effect !== "require_approval" || decision.mode !== "enforce" || !decision.approval) return null;
  const requestedBy = args.requestMetadata.requestedBy;
  return {
    orgId: args.orgId,
    agentId: args.agentId,
    actionType: args.actionType,
    metadata: args.metadata,
    rule: holdingRule(decision.approval, typeof requestedBy === "string" ? requestedBy : null),
    at: args.at,
  };
}

/** The rule a policy's approval block holds a call to, as core's authority reads it. */
function holdingRule(approval: ApprovalOptions, requesterRef: string | null): Omit<AuthorityRule, "agentOwnerMembershipId"> {
  return {
    quorum: approval.quorum,
    approverRoles: approval.approverRoles,
    approverMemberIds: approval.approvers,
    excludeAgentOwner: approval.excludeAgentOwner,
    requestedBy: requesterRef,
    humanOnly: approval.humanOnly === true,
    humanEachTime: approval.humanEachTime === true,
    system: false,
  };
}

interface Candidate {
  id: string;
  via: VoteChannel;
  membership_id: string;
  user_id: string;
  email: string;
  role: MemberRole | null;
  agent_owner: string | null;
  expires_at: Date;
  max_uses: number;
  uses: number;
}

/** The live grants that could cover the call, each with its giver as they are now, in the order they are used. */
async function candidatesFor(q: GrantQuery): Promise<Candidate[]> {
  const rows = await db().$queryRawUnsafe<Candidate[]>(
    `SELECT s.id, s.via, m.id AS membership_id, m.user_id, u.email, CASE WHEN m.removed_at IS NULL THEN m.role::text END AS role,
            COALESCE((SELECT r.created_by_membership_id FROM delegations d JOIN agents r ON r.id = d.root_agent_id
                      WHERE d.child_agent_id = s.agent_id AND d.org_id = s.org_id), g.created_by_membership_id) AS agent_owner,
            s.expires_at, s.max_uses, s.uses
     FROM standing_grants s JOIN memberships m ON m.id = s.created_by JOIN users u ON u.id = m.user_id JOIN agents g ON g.id = s.agent_id
       JOIN approvals a ON a.id = s.approval_id AND a.org_id = s.org_id AND a.status = 'approved'
     WHERE s.org_id = $1 AND s.agent_id = $2 AND s.action_type = $3 AND s.revoked_at IS NULL AND s.expires_at > $5 AND s.uses < s.max_uses AND $4::jsonb @> s.match
     ORDER BY s.expires_at, s.id LIMIT 20`,
    q.orgId,
    q.agentId,
    q.actionType,
    JSON.stringify(q.metadata),
    q.at,
  );
  return rows.filter((c) => {
    const grantor = c.role ? { membershipId: c.membership_id, userId: c.user_id, email: c.email, role: c.role, via: c.via } : null;
    return grantorCannotCover({ ...q.rule, agentOwnerMembershipId: c.agent_owner }, grantor) === null;
  });
}

/** A grant that may cover the call, as read before the batch: re-checked under the org's lock when the batch claims a use (commit-contributors.ts). */
export interface GrantCandidate {
  id: string;
  /** The giver's role when judged: a role changed since makes the grant cover nothing. */
  role: MemberRole;
}

/** The grants that could cover the call, in the order they are used (execute's batch claims the first still valid). */
export async function grantCandidates(q: GrantQuery): Promise<GrantCandidate[]> {
  return (await candidatesFor(q)).flatMap((c) => (c.role ? [{ id: c.id, role: c.role }] : []));
}

/** The grant execute's batch would use now, and the uses it would leave, without taking one (canI). */
export async function peekGrant(q: GrantQuery): Promise<GrantRef | null> {
  const [candidate] = await candidatesFor(q);
  return candidate ? { id: candidate.id, expiresAt: candidate.expires_at.toISOString(), usesLeft: candidate.max_uses - candidate.uses - 1 } : null;
}

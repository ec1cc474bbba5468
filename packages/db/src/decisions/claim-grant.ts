import { grantorCannotCover, type AuthorityRule, type GrantRef, type MemberRole, type VoteChannel } from "@gatehouse/core";
import { db } from "../infra/client";

/**
 * Claims one use of a live standing grant covering this call (docs/approvals.md, Standing grants): the
 * same agent and action, the call's metadata containing the grant's `match`, not revoked, not expired,
 * uses left — and a giver who alone could approve what holds this call now (core's `grantorCannotCover`:
 * a quorum of one, their role now or their name, not the call's requester nor its agent's excluded
 * owner, a human-only rule only from a person's grant). The claim is one statement re-checking the row
 * and the giver's membership as it was judged, so two calls never take the last use twice, and a
 * revocation, a removal or a role change committed on any process holds for the next call. Null: none.
 */
export async function claimGrant(args: {
  orgId: string;
  agentId: string;
  actionType: string;
  metadata: Record<string, unknown>;
  /** The rule that holds this call (its policy's approval block, this call's requester); the agent's owner is read here. */
  rule: Omit<AuthorityRule, "agentOwnerMembershipId">;
  at: Date;
}): Promise<GrantRef | null> {
  const candidates = await db().$queryRawUnsafe<
    Array<{ id: string; via: VoteChannel; membership_id: string; user_id: string; email: string; role: MemberRole | null; agent_owner: string | null }>
  >(
    `SELECT s.id, s.via, m.id AS membership_id, m.user_id, u.email, CASE WHEN m.removed_at IS NULL THEN m.role::text END AS role,
            COALESCE((SELECT r.created_by_membership_id FROM delegations d JOIN agents r ON r.id = d.root_agent_id
                      WHERE d.child_agent_id = s.agent_id AND d.org_id = s.org_id), g.created_by_membership_id) AS agent_owner
     FROM standing_grants s JOIN memberships m ON m.id = s.created_by JOIN users u ON u.id = m.user_id JOIN agents g ON g.id = s.agent_id
     WHERE s.org_id = $1 AND s.agent_id = $2 AND s.action_type = $3 AND s.revoked_at IS NULL AND s.expires_at > $5 AND s.uses < s.max_uses AND $4::jsonb @> s.match
     ORDER BY s.expires_at, s.id LIMIT 20`,
    args.orgId,
    args.agentId,
    args.actionType,
    JSON.stringify(args.metadata),
    args.at,
  );
  for (const candidate of candidates) {
    const grantor = candidate.role ? { membershipId: candidate.membership_id, userId: candidate.user_id, email: candidate.email, role: candidate.role, via: candidate.via } : null;
    if (grantorCannotCover({ ...args.rule, agentOwnerMembershipId: candidate.agent_owner }, grantor)) continue;
    const [row] = await db().$queryRawUnsafe<Array<{ id: string; expires_at: Date; max_uses: number; uses: number }>>(
      `UPDATE standing_grants s SET uses = uses + 1
       WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND s.uses < s.max_uses
         AND EXISTS (SELECT 1 FROM memberships m WHERE m.id = s.created_by AND m.removed_at IS NULL AND m.role = $3::member_role)
       RETURNING s.id, s.expires_at, s.max_uses, s.uses`,
      candidate.id,
      args.at,
      candidate.role,
    );
    if (row) return { id: row.id, expiresAt: row.expires_at.toISOString(), usesLeft: row.max_uses - row.uses };
  }
  return null;
}

import type { GrantRef } from "@gatehouse/core";
import { db } from "../infra/client";

/**
 * Claims one use of a live standing grant covering this call (docs/approvals.md, Standing grants): the
 * same agent and action, the call's metadata containing the grant's `match`, not revoked, not expired,
 * uses left. One statement, with the conditions checked again on the locked row, so two calls never take
 * the last use twice and a revocation committed on any process holds for the next call. Null: none.
 */
export async function claimGrant(args: { orgId: string; agentId: string; actionType: string; metadata: Record<string, unknown>; at: Date }): Promise<GrantRef | null> {
  const [row] = await db().$queryRawUnsafe<Array<{ id: string; expires_at: Date; max_uses: number; uses: number }>>(
    `UPDATE standing_grants SET uses = uses + 1
     WHERE id = (SELECT id FROM standing_grants
                 WHERE org_id = $1 AND agent_id = $2 AND action_type = $3 AND revoked_at IS NULL AND expires_at > $5 AND uses < max_uses AND $4::jsonb @> match
                 ORDER BY expires_at, id LIMIT 1 FOR UPDATE)
       AND revoked_at IS NULL AND expires_at > $5 AND uses < max_uses
     RETURNING id, expires_at, max_uses, uses`,
    args.orgId,
    args.agentId,
    args.actionType,
    JSON.stringify(args.metadata),
    args.at,
  );
  return row ? { id: row.id, expiresAt: row.expires_at.toISOString(), usesLeft: row.max_uses - row.uses } : null;
}

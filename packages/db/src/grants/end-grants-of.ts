import type { ActorRef, AuditEntryInput } from "@gatehouse/core";
import { appendAuditEntries } from "../audit/append-audit-entries";
import type { Tx } from "../infra/client";

/**
 * Ends every live standing grant a member gave, inside the transaction that ends or lowers their
 * membership (docs/approvals.md, Standing grants): a grant rests on its giver's authority and never
 * outlives it. Each end is a `grant.revoked` entry naming why. (A call is also checked against the
 * giver's membership as it is when the grant is used, so nothing committed elsewhere slips between.)
 */
export async function endGrantsOf(
  tx: Tx,
  input: { orgId: string; membershipId: string; reason: "grantor_removed" | "grantor_role_changed"; actor: ActorRef; at: Date },
): Promise<number> {
  const ended = await tx.$queryRawUnsafe<Array<{ id: string; agent_id: string; action_type: string }>>(
    `UPDATE standing_grants SET revoked_at = $3, ended_reason = $4
     WHERE org_id = $1 AND created_by = $2 AND revoked_at IS NULL AND expires_at > $3 AND uses < max_uses
     RETURNING id, agent_id, action_type`,
    input.orgId,
    input.membershipId,
    input.at,
    input.reason,
  );
  if (ended.length === 0) return 0;
  await appendAuditEntries(
    tx,
    input.orgId,
    ended
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((grant): AuditEntryInput => ({
        type: "grant.revoked",
        actor: input.actor,
        agentId: grant.agent_id,
        subjectId: grant.id,
        data: { grantId: grant.id, actionType: grant.action_type, reason: input.reason },
      })),
  );
  return ended.length;
}

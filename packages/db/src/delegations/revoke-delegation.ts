import { notFound, type ActorRef } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { forgetAgent } from "../snapshots/agent-snapshot";
import { announceApprovals } from "../approvals/announce-approvals";
import { endUndecided } from "../approvals/end-approvals";
import { appendAuditEntries } from "../audit/append-audit-entries";
import { lockAuditLog } from "../audit/lock-audit-log";
import { db, TX_OPTIONS, type Tx } from "../infra/client";
import { publishAfterCommit } from "../infra/signals";
import { evictDelegates } from "../keys/authenticate-api-key";
import { isAncestor } from "./read-delegations";

export const DELEGATION_REVOKED_REASON = "DELEGATION_REVOKED";

interface RevokedRow {
  id: string;
  name: string;
  parent_agent_id: string;
  child_agent_id: string;
  depth: number;
  /** The highest delegation named in the revoke whose subtree this row is in. */
  top: string;
}

/**
 * Revokes a delegation and, in the same transaction, every descendant still unrevoked (one recursive
 * statement): their rows get `revoked_at`, every key of their delegates is revoked, the delegates are
 * halted (so the decision commit, which re-reads agent status under the log lock, refuses a decision
 * that raced the revoke), their pending approvals are cancelled with DELEGATION_REVOKED, and each
 * revoked delegation gets a `delegation.revoked` entry. After the commit one `delegations.revoked`
 * signal makes every instance forget the cached keys of the whole subtree (each delegate's chain holds
 * the revoked id), and waiting `gate()` calls wake.
 *
 * Who may: any ancestor agent of the delegate (its parent, its parent's parent, … up to the root), a
 * member holding `delegations.revoke`, or the system. The delegate itself, a sibling, a descendant or
 * another org: 404, nothing written. Revoking again answers an empty list.
 */
export async function revokeDelegation({ ctx, input, actor: systemActor }: { ctx: Ctx; input: { delegationId: string }; actor?: ActorRef }): Promise<{ revoked: string[] }> {
  if (ctx.actor.type === "user" || ctx.actor.type === "adminKey") requirePermission(ctx, "delegations.revoke");
  const by = systemActor ?? actorRef(ctx.actor);
  const revoked = await db().$transaction(async (tx) => {
    await lockAuditLog(tx, ctx.org.id);
    const row = await tx.delegation.findFirst({ where: { id: input.delegationId, orgId: ctx.org.id } });
    if (!row) throw notFound("delegation");
    if (ctx.actor.type === "agent" && !(await isAncestor(ctx.org.id, ctx.actor.agentId, row.childAgentId, tx))) throw notFound("delegation");
    return revokeSubtrees(tx, ctx.org.id, [row.id], by, {});
  }, TX_OPTIONS);
  await announceRevoked(ctx.org.id, revoked);
  return { revoked: revoked.rows.map((r) => r.id) };
}

/** What {@link revokeSubtrees} revoked, for {@link announceRevoked} after the commit. */
export interface RevokedSubtrees {
  /** The delegations named (the subtrees' tops) that were still unrevoked. */
  tops: string[];
  rows: RevokedRow[];
  cancelled: string[];
}

/**
 * Revokes the delegations `ids` and every unrevoked descendant (one recursive statement), inside the
 * caller's transaction, which holds the org's log lock: rows, keys, halts, `delegation.revoked` entries
 * (each top's names the keys it revoked; `data` is added to the tops' entries: why, when a key's revoke
 * caused it), pending approvals cancelled. Delegations already revoked are left as they are.
 */
export async function revokeSubtrees(tx: Tx, orgId: string, ids: string[], by: ActorRef, data: Record<string, unknown>): Promise<RevokedSubtrees> {
  if (ids.length === 0) return { tops: [], rows: [], cancelled: [] };
  const now = new Date();
  const rows = await tx.$queryRaw<RevokedRow[]>`
    WITH RECURSIVE sub AS (
      SELECT id, id AS top, depth AS top_depth FROM delegations WHERE id = ANY(${ids}::text[]) AND org_id = ${orgId}
      UNION ALL
      SELECT d.id, sub.top, sub.top_depth FROM delegations d JOIN sub ON d.parent_delegation_id = sub.id WHERE d.org_id = ${orgId}
    )
    UPDATE delegations SET revoked_at = ${now}
    FROM (SELECT DISTINCT ON (id) id, top FROM sub ORDER BY id, top_depth, top) AS s
    WHERE delegations.id = s.id AND delegations.revoked_at IS NULL
    RETURNING delegations.id, delegations.name, delegations.parent_agent_id, delegations.child_agent_id, delegations.depth, s.top`;
  if (rows.length === 0) return { tops: [], rows: [], cancelled: [] };
  rows.sort((a, b) => a.depth - b.depth || a.id.localeCompare(b.id));
  const agentIds = rows.map((r) => r.child_agent_id);
  const keys = await tx.$queryRaw<Array<{ id: string }>>`
    UPDATE api_keys SET revoked_at = ${now} WHERE org_id = ${orgId} AND agent_id = ANY(${agentIds}::text[]) AND revoked_at IS NULL RETURNING id`;
  await tx.$executeRaw`
    UPDATE agents SET status = 'halted', halted_at = ${now}, halted_reason = 'delegation revoked'
    WHERE org_id = ${orgId} AND id = ANY(${agentIds}::text[]) AND status = 'active'`;
  await appendAuditEntries(
    tx,
    orgId,
    rows.map((r) => ({
      type: "delegation.revoked",
      actor: by,
      agentId: r.parent_agent_id,
      subjectId: r.id,
      data: {
        delegationId: r.id,
        name: r.name,
        parentAgentId: r.parent_agent_id,
        childAgentId: r.child_agent_id,
        depth: r.depth,
        ...(r.id === r.top ? { keysRevoked: keys.map((k) => k.id), ...data } : { revokedWith: r.top }),
      },
    })),
  );
  const cancelled = await cancelApprovalsOf(tx, orgId, agentIds, by);
  return { tops: [...new Set(rows.map((r) => r.top))], rows, cancelled };
}

/**
 * After the commit of {@link revokeSubtrees}: the revoked delegates are forgotten here and — by one
 * `delegations.revoked` signal naming the tops, which every descendant's cached chain holds — on every
 * instance; waiting `gate()` calls wake.
 */
export async function announceRevoked(orgId: string, revoked: RevokedSubtrees): Promise<void> {
  if (revoked.rows.length === 0) return;
  for (const r of revoked.rows) forgetAgent(r.child_agent_id);
  evictDelegates(revoked.tops);
  await publishAfterCommit({ type: "delegations.revoked", orgId, delegationIds: revoked.tops });
  await announceApprovals(orgId, revoked.cancelled);
}

/** Cancels the pending approvals of revoked delegates (inside the revoke's transaction); their waiters hear DELEGATION_REVOKED. */
async function cancelApprovalsOf(tx: Tx, orgId: string, agentIds: string[], by: ActorRef): Promise<string[]> {
  const rows = await tx.$queryRaw<Array<{ id: string; action_id: string; agent_id: string; action_type: string }>>`
    SELECT a.id, a.action_id, a.agent_id, c.action_type FROM approvals a JOIN actions c ON c.id = a.action_id
    WHERE a.org_id = ${orgId} AND a.agent_id = ANY(${agentIds}::text[]) AND a.status = 'pending' ORDER BY a.id FOR UPDATE OF a`;
  return endUndecided(tx, orgId, rows, { status: "cancelled", reason: "the delegation behind this agent was revoked", denialReason: DELEGATION_REVOKED_REASON }, by);
}

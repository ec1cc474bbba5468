import { forbidden, notFound } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { lockAuditLog } from "../audit/lock-audit-log";
import { announceRevoked, revokeSubtrees } from "../delegations/revoke-delegation";
import { db, TX_OPTIONS, type Tx } from "../infra/client";
import { publishAfterCommit } from "../infra/signals";
import { evictKeyCache } from "../keys/authenticate-api-key";
import { isOwnMembership, requireKeyAccess, requireRankOver } from "../keys/require-rank";

/**
 * Revokes a key of this org (another org's key id is 404). Revoking twice is a no-op. A member's
 * admin key can be revoked only by a member of at least their rank (an admin cannot revoke an owner's).
 * A member with `keys.own` but not `keys.manage` (an approver, an auditor) revokes their own admin
 * keys only (any other key of the org: 403).
 * An agent's key takes with it, in the same transaction, the delegations made with it and — for a
 * delegate's key — the delegate's own delegation, each with its whole subtree (revokeSubtrees): a
 * leaked key's delegates stop with it, on every instance, at their next call (docs/adr/0013).
 */
export async function revokeApiKey({ ctx, input }: { ctx: Ctx; input: { keyId: string } }): Promise<{ id: string; revokedAt: string }> {
  const { manages } = requireKeyAccess(ctx);
  const result = await db().$transaction(async (tx) => {
    await lockAuditLog(tx, ctx.org.id);
    const key = await tx.apiKey.findFirst({ where: { id: input.keyId, orgId: ctx.org.id }, include: { membership: { select: { role: true } } } });
    if (!key) throw notFound("API key");
    if (!manages && !isOwnMembership(ctx, key.membershipId)) throw forbidden("without the permission keys.manage only your own admin keys can be revoked");
    // A member's admin key is that member's credential: only from at least their rank (agents' keys are the org's).
    if (key.membership) requireRankOver(ctx, key.membership.role, "revoke an admin key");
    if (key.revokedAt) return { id: key.id, revokedAt: key.revokedAt.toISOString(), delegations: null };
    const updated = await tx.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
    await appendAuditEntry(tx, ctx.org.id, {
      type: "key.revoked",
      actor: actorRef(ctx.actor),
      agentId: key.agentId,
      subjectId: key.id,
      data: { kind: key.kind, prefix: key.prefix },
    });
    const delegations = key.agentId
      ? await revokeSubtrees(tx, ctx.org.id, await delegationsOfKey(tx, ctx.org.id, key.id, key.agentId), actorRef(ctx.actor), { keyRevoked: key.id })
      : null;
    return { id: key.id, revokedAt: (updated.revokedAt ?? new Date()).toISOString(), delegations };
  }, TX_OPTIONS);
  evictKeyCache(input.keyId);
  await publishAfterCommit({ type: "key.revoked", keyId: input.keyId });
  if (result.delegations) await announceRevoked(ctx.org.id, result.delegations);
  return { id: result.id, revokedAt: result.revokedAt };
}

/**
 * The unrevoked delegations a key's revoke ends: those made with it, those of its agent made before
 * the making key was kept (unknown, so any of the agent's keys ends them: fail closed), and the one
 * whose delegate's key it is.
 */
async function delegationsOfKey(tx: Tx, orgId: string, keyId: string, agentId: string): Promise<string[]> {
  const rows = await tx.delegation.findMany({
    where: {
      orgId,
      revokedAt: null,
      OR: [{ createdByKeyId: keyId }, { parentAgentId: agentId, createdByKeyId: null }, { keyId }],
    },
    select: { id: true },
    orderBy: { id: "asc" },
  });
  return rows.map((r) => r.id);
}

import { notFound } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { db, TX_OPTIONS } from "../infra/client";
import { publishAfterCommit } from "../infra/signals";
import { evictKeyCache } from "./authenticate-api-key";
import { requireRankOver } from "./require-rank";

/**
 * Revokes a key of this org (another org's key id is 404). Revoking twice is a no-op. A member's
 * admin key can be revoked only by a member of at least their rank (an admin cannot revoke an owner's).
 */
export async function revokeApiKey({ ctx, input }: { ctx: Ctx; input: { keyId: string } }): Promise<{ id: string; revokedAt: string }> {
  requirePermission(ctx, "keys.manage");
  const result = await db().$transaction(async (tx) => {
    const key = await tx.apiKey.findFirst({ where: { id: input.keyId, orgId: ctx.org.id }, include: { membership: { select: { role: true } } } });
    if (!key) throw notFound("API key");
    // A member's admin key is that member's credential: only from at least their rank (agents' keys are the org's).
    if (key.membership) requireRankOver(ctx, key.membership.role, "revoke an admin key");
    if (key.revokedAt) return { id: key.id, revokedAt: key.revokedAt.toISOString() };
    const updated = await tx.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
    await appendAuditEntry(tx, ctx.org.id, {
      type: "key.revoked",
      actor: actorRef(ctx.actor),
      agentId: key.agentId,
      subjectId: key.id,
      data: { kind: key.kind, prefix: key.prefix },
    });
    return { id: key.id, revokedAt: (updated.revokedAt ?? new Date()).toISOString() };
  }, TX_OPTIONS);
  evictKeyCache(input.keyId);
  await publishAfterCommit({ type: "key.revoked", keyId: input.keyId });
  return result;
}

import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { db, TX_OPTIONS } from "../infra/client";
import { checkpointAuditLog, type CheckpointView } from "./checkpoint-audit-log";
import { listSigningKeys, type SigningKeyView } from "./list-signing-keys";
import { lockAuditLog } from "./lock-audit-log";
import { insertSigningKey, vkeyOf } from "./signing-keys";

/**
 * Retires the org's active checkpoint key and makes a new one, in one transaction with its audit
 * entry; then signs a checkpoint with the new key at once. Old checkpoints keep verifying with the
 * retired key, which stays published.
 */
export async function rotateSigningKey({ ctx }: { ctx: Ctx }): Promise<{ keys: SigningKeyView[]; checkpoint: CheckpointView }> {
  requirePermission(ctx, "audit.keys.rotate");
  const orgId = ctx.org.id;
  await db().$transaction(async (tx) => {
    await lockAuditLog(tx, orgId);
    const current = await tx.signingKey.findFirst({ where: { orgId, status: "active" } });
    if (current) await tx.signingKey.update({ where: { id: current.id }, data: { status: "retired", retiredAt: new Date() } });
    await insertSigningKey(tx, orgId, actorRef(ctx.actor), current ? { id: current.id, vkey: vkeyOf(current) } : undefined);
  }, TX_OPTIONS);
  return { keys: await listSigningKeys({ ctx }), checkpoint: await checkpointAuditLog(orgId) };
}

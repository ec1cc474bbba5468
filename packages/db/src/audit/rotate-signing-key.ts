import { db, TX_OPTIONS } from "../client";
import type { Ctx } from "../context";
import { insertSigningKey, vkeyOf } from "../signing-keys";
import { lockAuditLog } from "./append-audit-entries";
import { checkpointAuditLog, type CheckpointView } from "./checkpoint-audit-log";
import { listSigningKeys, type SigningKeyView } from "./list-signing-keys";
import { actorRef, MANAGE_ROLES, requireRole } from "./permissions";

/**
 * Retires the org's active checkpoint key and makes a new one, in one transaction with its audit
 * entry; then signs a checkpoint with the new key at once. Old checkpoints keep verifying with the
 * retired key, which stays published.
 */
export async function rotateSigningKey({ ctx }: { ctx: Ctx }): Promise<{ keys: SigningKeyView[]; checkpoint: CheckpointView }> {
  requireRole(ctx, MANAGE_ROLES, "rotating the audit signing key");
  const orgId = ctx.org.id;
  await db().$transaction(async (tx) => {
    await lockAuditLog(tx, orgId);
    const current = await tx.signingKey.findFirst({ where: { orgId, status: "active" } });
    if (current) await tx.signingKey.update({ where: { id: current.id }, data: { status: "retired", retiredAt: new Date() } });
    await insertSigningKey(tx, orgId, actorRef(ctx.actor), current ? { id: current.id, vkey: vkeyOf(current) } : undefined);
  }, TX_OPTIONS);
  return { keys: await listSigningKeys({ ctx }), checkpoint: await checkpointAuditLog(orgId) };
}

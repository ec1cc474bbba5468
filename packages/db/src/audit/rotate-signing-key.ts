import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { db, TX_OPTIONS } from "../infra/client";
import { checkpointAuditLog, type CheckpointView } from "./checkpoint-audit-log";
import { listSigningKeys, type SigningKeyView } from "./list-signing-keys";
import { lockAuditLog } from "./lock-audit-log";
import { insertSigningKey, vkeyOf } from "./signing-keys";

/** How long a rotation's idempotency key answers a retry instead of rotating again. */
const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;

/**
 * Retires the org's active checkpoint key and makes a new one, in one transaction with its audit
 * entry; then signs a checkpoint with the new key at once. Old checkpoints keep verifying with the
 * retired key, which stays published. With an `idempotencyKey` (the SDK sends one per call and the
 * same on every retry), a rotation already recorded with that key in the last 24 hours is answered
 * as it stands instead of rotating again: the check runs under the log lock, so concurrent retries
 * cannot both rotate.
 */
export async function rotateSigningKey({
  ctx,
  input = {},
}: {
  ctx: Ctx;
  input?: { idempotencyKey?: string | undefined };
}): Promise<{ keys: SigningKeyView[]; checkpoint: CheckpointView }> {
  requirePermission(ctx, "audit.keys.rotate");
  const orgId = ctx.org.id;
  const { idempotencyKey } = input;
  await db().$transaction(async (tx) => {
    await lockAuditLog(tx, orgId);
    if (idempotencyKey) {
      // The key is compared exactly (not as a LIKE pattern), on the entries that record a new key.
      const done = await tx.$queryRaw<Array<{ id: string }>>`
        SELECT id FROM audit_entries
        WHERE org_id = ${orgId} AND type IN ('audit.signing_key_rotated', 'audit.signing_key_created')
          AND created_at >= ${new Date(Date.now() - IDEMPOTENCY_WINDOW_MS)}
          AND (canonical::jsonb) -> 'data' ->> 'idempotencyKey' = ${idempotencyKey}
        LIMIT 1`;
      if (done.length > 0) return;
    }
    const current = await tx.signingKey.findFirst({ where: { orgId, status: "active" } });
    if (current) await tx.signingKey.update({ where: { id: current.id }, data: { status: "retired", retiredAt: new Date() } });
    await insertSigningKey(tx, orgId, actorRef(ctx.actor), current ? { id: current.id, vkey: vkeyOf(current) } : undefined, idempotencyKey);
  }, TX_OPTIONS);
  return { keys: await listSigningKeys({ ctx }), checkpoint: await checkpointAuditLog(orgId) };
}

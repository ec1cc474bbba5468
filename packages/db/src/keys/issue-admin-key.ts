import { conflict, notFound } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { db, TX_OPTIONS } from "../infra/client";
import { insertApiKey } from "./insert-api-key";
import { earlierIssue, forgetReissued, idempotencyRef, reissueKey } from "./reissue";
import { isOwnMembership, requireRankOver } from "./require-rank";

/**
 * Issues an org admin key that acts as the member it belongs to (same role, same limits).
 * For another member: admins and owners only (`keys.manage`), and only for a member of at most their
 * own rank (an admin cannot mint an owner's key). For oneself: `keys.own` (approvers and auditors
 * too). The key is shown once. Without `expiresInDays` it does not expire. With `refreshDays` its holder
 * may refresh it before it expires (refreshAdminKey; a CLI login's key). With an
 * `idempotencyKey`, a retry within 24 hours by the same caller (same member, same name) gets a fresh
 * secret for the key the first call issued, never a second key (`key.reissued`); the first secret
 * stops working.
 */
export async function issueAdminKey({
  ctx,
  input,
  now = Date.now(),
}: {
  ctx: Ctx;
  input: { membershipId: string; name?: string; expiresInDays?: number; refreshDays?: number; idempotencyKey?: string | undefined };
  now?: number;
}): Promise<{ id: string; apiKey: string; prefix: string; expiresAt: string | null }> {
  requirePermission(ctx, isOwnMembership(ctx, input.membershipId) ? "keys.own" : "keys.manage");
  const expiresAt = input.expiresInDays ? new Date(now + input.expiresInDays * 86_400_000) : null;
  const name = input.name ?? "admin";
  let reissued: string | null = null;
  const result = await db().$transaction(async (tx) => {
    const membership = await tx.membership.findFirst({ where: { id: input.membershipId, orgId: ctx.org.id, removedAt: null } });
    if (!membership) throw notFound("membership");
    // A key acting as a member of higher rank would be a way up: only from at least their rank.
    requireRankOver(ctx, membership.role, "issue an admin key");
    const earlier = input.idempotencyKey ? await earlierIssue(tx, ctx, "key.issued", input.idempotencyKey) : null;
    if (earlier) {
      const first = await tx.apiKey.findFirst({ where: { id: earlier.subjectId, orgId: ctx.org.id } });
      if (!first || first.kind !== "admin" || first.membershipId !== membership.id || first.name !== name) throw conflict("this Idempotency-Key was used for another key");
      const fresh = await reissueKey(tx, ctx, first);
      reissued = first.id;
      return { id: first.id, apiKey: fresh.plaintext, prefix: fresh.prefix, expiresAt: first.expiresAt?.toISOString() ?? null };
    }
    const row = await insertApiKey(tx, { orgId: ctx.org.id, holder: { kind: "admin", membershipId: membership.id }, name, expiresAt, refreshDays: input.refreshDays ?? null });
    await appendAuditEntry(tx, ctx.org.id, {
      type: "key.issued",
      actor: actorRef(ctx.actor),
      subjectId: row.id,
      data: {
        kind: "admin",
        membershipId: membership.id,
        prefix: row.prefix,
        name: row.name,
        ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}),
        ...(input.idempotencyKey ? { idempotencyRef: idempotencyRef(ctx.actor, input.idempotencyKey) } : {}),
      },
    });
    return { id: row.id, apiKey: row.plaintext, prefix: row.prefix, expiresAt: expiresAt?.toISOString() ?? null };
  }, TX_OPTIONS);
  if (reissued) await forgetReissued(reissued);
  return result;
}

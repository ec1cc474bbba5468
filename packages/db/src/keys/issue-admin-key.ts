import { issueApiKey, newId, notFound } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { db, TX_OPTIONS } from "../infra/client";
import { requireRankOver } from "./require-rank";

/**
 * Issues an org admin key that acts as the member it belongs to (same role, same limits).
 * Admins and owners only, and only for a member of at most their own rank (an admin cannot mint an
 * owner's key); the key is shown once. Without `expiresInDays` it does not expire.
 */
export async function issueAdminKey({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { membershipId: string; name?: string; expiresInDays?: number };
}): Promise<{ id: string; apiKey: string; prefix: string; expiresAt: string | null }> {
  requirePermission(ctx, "keys.manage");
  const key = issueApiKey("admin");
  const expiresAt = input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86_400_000) : null;
  return db().$transaction(async (tx) => {
    const membership = await tx.membership.findFirst({ where: { id: input.membershipId, orgId: ctx.org.id, removedAt: null } });
    if (!membership) throw notFound("membership");
    // A key acting as a member of higher rank would be a way up: only from at least their rank.
    requireRankOver(ctx, membership.role, "issue an admin key");
    const row = await tx.apiKey.create({
      data: {
        id: newId("apiKey"),
        orgId: ctx.org.id,
        kind: "admin",
        membershipId: membership.id,
        name: input.name ?? "admin",
        prefix: key.prefix,
        keyHash: key.hash,
        lastFour: key.lastFour,
        expiresAt,
      },
    });
    await appendAuditEntry(tx, ctx.org.id, {
      type: "key.issued",
      actor: actorRef(ctx.actor),
      subjectId: row.id,
      data: { kind: "admin", membershipId: membership.id, prefix: key.prefix, name: row.name, ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}) },
    });
    return { id: row.id, apiKey: key.plaintext, prefix: key.prefix, expiresAt: expiresAt?.toISOString() ?? null };
  }, TX_OPTIONS);
}

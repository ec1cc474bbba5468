import { notFound } from "@gatehouse/core";
import { db, TX_OPTIONS } from "../client";
import type { Ctx } from "../context";
import { appendAuditEntry } from "./append-audit-entries";
import { publishAfterCommit } from "../signals";
import { evictKeyCache } from "./authenticate-api-key";
import { actorRef, MANAGE_ROLES, requireRole } from "./permissions";

/** Revokes a key of this org (another org's key id is 404). Revoking twice is a no-op. */
export async function revokeApiKey({ ctx, input }: { ctx: Ctx; input: { keyId: string } }): Promise<{ id: string; revokedAt: string }> {
  requireRole(ctx, MANAGE_ROLES, "revoking a key");
  const result = await db().$transaction(async (tx) => {
    const key = await tx.apiKey.findFirst({ where: { id: input.keyId, orgId: ctx.org.id } });
    if (!key) throw notFound("API key");
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

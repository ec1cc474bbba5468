import type { IssuedAdminKey } from "@gatehouse/contracts";
import { conflict, forbidden, notFound } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { lockAuditLog } from "../audit/lock-audit-log";
import { db, TX_OPTIONS } from "../infra/client";
import { publishAfterCommit } from "../infra/signals";
import { evictKeyCache } from "./authenticate-api-key";
import { insertApiKey } from "./insert-api-key";

/**
 * Refreshes a refreshable admin key (one a CLI login issued: `refreshDays` set) before it expires, called with that
 * very key: a new key of the same member and name, expiring `refreshDays` from now, replaces it, and the old secret
 * stops working at once (`key.issued` and `key.revoked` in one transaction). So a key lives only while its holder
 * keeps using it, and a copied secret and the CLI it was copied from cannot both go on: the first to refresh ends
 * the other. Another org's key id is a 404; any other caller (a session, another key) is a 403; a key that does not
 * refresh, or was revoked or expired meanwhile, a 409.
 */
export async function refreshAdminKey({ ctx, input, now = Date.now() }: { ctx: Ctx; input: { keyId: string }; now?: number }): Promise<IssuedAdminKey> {
  requirePermission(ctx, "keys.own");
  const result = await db().$transaction(async (tx) => {
    await lockAuditLog(tx, ctx.org.id);
    const key = await tx.apiKey.findFirst({ where: { id: input.keyId, orgId: ctx.org.id, kind: "admin" } });
    if (!key?.membershipId) throw notFound("API key");
    if (ctx.actor.type !== "adminKey" || ctx.actor.keyId !== key.id) throw forbidden("a key is refreshed by its holder: call with the key to refresh");
    if (key.refreshDays === null) throw conflict("this key does not refresh: issue a new one (a key from gatehouse login --web refreshes)");
    if (key.revokedAt || (key.expiresAt && key.expiresAt.getTime() <= now)) throw conflict("this key was revoked or has expired: sign in again");
    const expiresAt = new Date(now + key.refreshDays * 86_400_000);
    const fresh = await insertApiKey(tx, {
      orgId: ctx.org.id,
      holder: { kind: "admin", membershipId: key.membershipId },
      name: key.name,
      expiresAt,
      refreshDays: key.refreshDays,
    });
    await appendAuditEntry(tx, ctx.org.id, {
      type: "key.issued",
      actor: actorRef(ctx.actor),
      subjectId: fresh.id,
      data: { kind: "admin", membershipId: key.membershipId, prefix: fresh.prefix, name: fresh.name, expiresAt: expiresAt.toISOString() },
    });
    await tx.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date(now) } });
    await appendAuditEntry(tx, ctx.org.id, {
      type: "key.revoked",
      actor: actorRef(ctx.actor),
      subjectId: key.id,
      data: { kind: "admin", prefix: key.prefix, reason: `refreshed: replaced by ${fresh.prefix}` },
    });
    return { id: fresh.id, apiKey: fresh.plaintext, prefix: fresh.prefix, expiresAt: expiresAt.toISOString() };
  }, TX_OPTIONS);
  evictKeyCache(input.keyId);
  await publishAfterCommit({ type: "key.revoked", keyId: input.keyId });
  return result;
}

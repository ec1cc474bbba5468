import { conflict, forbidden, hasPermission, rolesWith, TOP_ROLE, type MemberRole, type Permission } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { appendAuditEntries } from "../audit/append-audit-entries";
import type { Tx } from "../infra/client";
import { publishAfterCommit } from "../infra/signals";
import { evictKeyCache, evictMemberKeys } from "../keys/authenticate-api-key";

/**
 * The caller's role as the database has it now (the key cache may be up to its TTL behind, and a
 * concurrent change may just have committed), checked again for `permission`. A member removed or
 * demoted meanwhile is refused.
 */
export async function currentRole(tx: Tx, ctx: Ctx, permission: Permission): Promise<MemberRole | "system"> {
  const { actor } = ctx;
  if (actor.type === "system") return "system";
  if (actor.type === "agent") throw forbidden("agents cannot manage members");
  const row = await tx.membership.findFirst({ where: { id: actor.membershipId, orgId: ctx.org.id, removedAt: null }, select: { role: true } });
  if (!row) throw forbidden("you are no longer a member of this organization");
  if (!hasPermission(row.role, permission)) throw forbidden(`this needs the permission ${permission}, which the roles ${rolesWith(permission).join(", ")} hold`);
  return row.role;
}

/**
 * Refuses when `membershipId` is the org's only owner and the change would leave it without one.
 * The owners' rows are locked first, so two owners demoting or removing each other at once cannot
 * both pass: the second sees the first's change.
 */
export async function requireAnotherOwner(tx: Tx, orgId: string, membershipId: string, what: string): Promise<void> {
  const owners = await tx.$queryRaw<
    Array<{ id: string }>
  >`SELECT id FROM memberships WHERE org_id = ${orgId} AND role = ${TOP_ROLE}::member_role AND removed_at IS NULL ORDER BY id FOR UPDATE`;
  if (owners.some((o) => o.id === membershipId) && owners.length <= 1) {
    throw conflict(`the last owner cannot ${what}: make another member an owner first`);
  }
}

/**
 * Revokes every live admin key of a member in the org (inside the caller's transaction), each with its
 * `key.revoked` audit entry saying why, and answers their ids.
 */
export async function revokeMemberKeys(tx: Tx, ctx: Ctx, membershipId: string, now: Date, reason: "member removed" | "role changed"): Promise<string[]> {
  const keys = await tx.apiKey.findMany({ where: { orgId: ctx.org.id, membershipId, revokedAt: null }, select: { id: true, kind: true, prefix: true }, orderBy: { id: "asc" } });
  if (keys.length === 0) return [];
  await tx.apiKey.updateMany({ where: { id: { in: keys.map((k) => k.id) } }, data: { revokedAt: now } });
  await appendAuditEntries(
    tx,
    ctx.org.id,
    keys.map((key) => ({ type: "key.revoked", actor: actorRef(ctx.actor), subjectId: key.id, data: { kind: key.kind, prefix: key.prefix, reason } })),
  );
  return keys.map((k) => k.id);
}

/**
 * After the change committed: this process forgets the member's cached keys at once, and every other
 * API process does on the signals (the same `key.revoked` revokeApiKey sends, and `member.changed`
 * for a role change). A lost signal is bounded by the key cache's TTL.
 */
export async function announceMemberChange(orgId: string, membershipId: string, revokedKeyIds: readonly string[]): Promise<void> {
  evictMemberKeys(membershipId);
  for (const keyId of revokedKeyIds) evictKeyCache(keyId);
  await Promise.all([publishAfterCommit({ type: "member.changed", orgId, membershipId }), ...revokedKeyIds.map((keyId) => publishAfterCommit({ type: "key.revoked", keyId }))]);
}

import { canActOnRole, hasPermission, type MemberRole } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { appendAuditEntries } from "../audit/append-audit-entries";
import type { Tx } from "../infra/client";

/** Whether a member with `role` (null: no longer a member) may still stand behind an invitation with `invited`. */
export function inviterMayInvite(role: MemberRole | null, invited: MemberRole): boolean {
  return role !== null && hasPermission(role, "members.manage") && canActOnRole(role, invited);
}

async function revokePending(tx: Tx, ctx: Ctx, where: { invitedByMembershipId?: string }, keep: (role: MemberRole) => boolean, reason: string, now: Date): Promise<string[]> {
  const pending = await tx.invitation.findMany({
    where: { orgId: ctx.org.id, ...where, acceptedAt: null, revokedAt: null, expiresAt: { gt: now } },
    select: { id: true, email: true, role: true },
    orderBy: { id: "asc" },
  });
  const dead = pending.filter((inv) => !keep(inv.role));
  if (dead.length === 0) return [];
  await tx.invitation.updateMany({ where: { id: { in: dead.map((d) => d.id) } }, data: { revokedAt: now } });
  await appendAuditEntries(
    tx,
    ctx.org.id,
    dead.map((inv) => ({ type: "invitation.revoked", actor: actorRef(ctx.actor), subjectId: inv.id, data: { email: inv.email, role: inv.role, reason } })),
  );
  return dead.map((d) => d.id);
}

/**
 * Inside the transaction that removes a member or changes their role: revokes their pending
 * invitations that they could no longer send — every one when `roleNow` is null (removed, left), those
 * above their new rank or all once it lacks members.manage — each with an `invitation.revoked` entry.
 * An invitation lives only as long as someone stands behind it.
 */
export async function revokeInvitationsOfInviter(tx: Tx, ctx: Ctx, membershipId: string, roleNow: MemberRole | null): Promise<string[]> {
  return revokePending(
    tx,
    ctx,
    { invitedByMembershipId: membershipId },
    (invited) => inviterMayInvite(roleNow, invited),
    roleNow === null ? "inviter removed" : "inviter's role changed",
    new Date(),
  );
}

/** Inside closeOrg's transaction: every pending invitation of the org is revoked. */
export async function revokeOrgInvitations(tx: Tx, ctx: Ctx): Promise<string[]> {
  return revokePending(tx, ctx, {}, () => false, "organization closed", new Date());
}

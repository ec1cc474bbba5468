import type { RemovedMember } from "@gatehouse/contracts";
import { canActOnRole, isTopRole, forbidden, notFound } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { endEverySession } from "../accounts/end-every-session";
import { db, TX_OPTIONS } from "../infra/client";
import { endGrantsOf } from "../grants/end-grants-of";
import { revokeInvitationsOfInviter } from "../invitations/revoke-inviter-invitations";
import { announceMemberChange, currentRole, requireAnotherOwner, revokeMemberKeys } from "../members/member-access";

/**
 * Removes a member: their membership is marked removed (their votes and agents keep their author),
 * their admin keys in the org are revoked, and every console session and outstanding reset or
 * verification link of their account ends (endEverySession): from their next request on every
 * instance neither their keys nor any session of theirs reach anything. Only a member ranking at least as high may (an admin cannot
 * remove an owner); the last owner cannot be removed (409). Removing oneself is leaving (`member.left`).
 */
export async function removeMember({ ctx, input }: { ctx: Ctx; input: { membershipId: string } }): Promise<RemovedMember> {
  requirePermission(ctx, "members.manage");
  return endMembership(ctx, input.membershipId);
}

/**
 * The signed-in member (or the member of the admin key) leaves the org; the last owner cannot (409).
 * Their admin keys in the org are revoked; their sessions stay theirs (nobody else decided anything).
 */
export async function leaveOrg({ ctx }: { ctx: Ctx }): Promise<RemovedMember> {
  const { actor } = ctx;
  if (actor.type !== "user" && actor.type !== "adminKey") throw forbidden("only a member can leave an organization");
  return endMembership(ctx, actor.membershipId);
}

async function endMembership(ctx: Ctx, membershipId: string): Promise<RemovedMember> {
  const self = (ctx.actor.type === "user" || ctx.actor.type === "adminKey") && ctx.actor.membershipId === membershipId;
  const now = new Date();
  const result = await db().$transaction(async (tx) => {
    // Leaving needs no permission; removing someone else needs members.manage as the caller's role is now.
    const actorRole = self ? "self" : await currentRole(tx, ctx, "members.manage");
    const member = await tx.membership.findFirst({ where: { id: membershipId, orgId: ctx.org.id, removedAt: null }, include: { user: { select: { email: true } } } });
    if (!member) throw notFound("member");
    if (actorRole !== "system" && actorRole !== "self" && !canActOnRole(actorRole, member.role)) {
      throw forbidden(`a member with the role ${actorRole} cannot remove a member with the role ${member.role}`);
    }
    if (isTopRole(member.role)) await requireAnotherOwner(tx, ctx.org.id, member.id, self ? "leave the organization" : "be removed");
    await tx.membership.update({ where: { id: member.id }, data: { removedAt: now } });
    await appendAuditEntry(tx, ctx.org.id, {
      type: self ? "member.left" : "member.removed",
      actor: actorRef(ctx.actor),
      subjectId: member.id,
      data: { userId: member.userId, email: member.user.email, role: member.role },
    });
    const revokedKeys = await revokeMemberKeys(tx, ctx, member.id, now, "member removed");
    // A standing grant never outlives its giver's membership.
    await endGrantsOf(tx, { orgId: ctx.org.id, membershipId: member.id, reason: "grantor_removed", actor: actorRef(ctx.actor), at: now });
    await revokeInvitationsOfInviter(tx, ctx, member.id, null);
    if (!self) await endEverySession(tx, member.userId, now);
    return { id: member.id, removedAt: now.toISOString(), revokedKeys };
  }, TX_OPTIONS);
  await announceMemberChange(ctx.org.id, result.id, result.revokedKeys);
  return result;
}

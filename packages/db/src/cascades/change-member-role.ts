import { updateMemberBodySchema, type MemberView } from "@gatehouse/contracts";
import { canActOnRole, isTopRole, forbidden, notFound, validationError, zodIssues } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { endEverySession } from "../accounts/end-every-session";
import { db, TX_OPTIONS } from "../infra/client";
import { endGrantsOf } from "../grants/end-grants-of";
import { revokeInvitationsOfInviter } from "../invitations/revoke-inviter-invitations";
import { announceMemberChange, currentRole, requireAnotherOwner, revokeMemberKeys } from "../members/member-access";
import { MEMBER_INCLUDE, memberView } from "../members/member-view";

/**
 * Changes a member's role. The caller must rank at least as high as the member (an admin cannot
 * change an owner's role) and as the new role (nobody promotes above their own rank); the last owner
 * cannot be demoted (409). A role change revokes the member's admin keys in the org (a key was issued
 * for the role it had) and ends every console session and outstanding reset or verification link of
 * their account (endEverySession), from their next request on every instance: they sign in again and
 * act with the new role. The same role again changes nothing and writes nothing.
 */
export async function changeMemberRole({ ctx, input }: { ctx: Ctx; input: { membershipId: string; body: unknown } }): Promise<MemberView> {
  requirePermission(ctx, "members.manage");
  const parsed = updateMemberBodySchema.safeParse(input.body);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const role = parsed.data.role;
  const now = new Date();
  const { view, revokedKeys } = await db().$transaction(async (tx) => {
    const actorRole = await currentRole(tx, ctx, "members.manage");
    const member = await tx.membership.findFirst({ where: { id: input.membershipId, orgId: ctx.org.id, removedAt: null }, include: MEMBER_INCLUDE });
    if (!member) throw notFound("member");
    if (actorRole !== "system") {
      if (!canActOnRole(actorRole, member.role)) throw forbidden(`a member with the role ${actorRole} cannot change the role of a member with the role ${member.role}`);
      if (!canActOnRole(actorRole, role)) throw forbidden(`a member with the role ${actorRole} cannot give the role ${role}: it ranks above their own`);
    }
    if (member.role === role) return { view: memberView(member), revokedKeys: null };
    if (isTopRole(member.role)) await requireAnotherOwner(tx, ctx.org.id, member.id, "be demoted");
    const updated = await tx.membership.update({ where: { id: member.id }, data: { role }, include: MEMBER_INCLUDE });
    await appendAuditEntry(tx, ctx.org.id, {
      type: "member.role_changed",
      actor: actorRef(ctx.actor),
      subjectId: member.id,
      data: { userId: member.userId, email: member.user.email, from: member.role, to: role },
    });
    await revokeInvitationsOfInviter(tx, ctx, member.id, role);
    const revoked = await revokeMemberKeys(tx, ctx, member.id, now, "role changed");
    // A standing grant rests on the role its giver had when they gave it.
    await endGrantsOf(tx, { orgId: ctx.org.id, membershipId: member.id, reason: "grantor_role_changed", actor: actorRef(ctx.actor), at: now });
    await endEverySession(tx, member.userId, now);
    return { view: memberView(updated), revokedKeys: revoked };
  }, TX_OPTIONS);
  if (revokedKeys) await announceMemberChange(ctx.org.id, view.id, revokedKeys);
  return view;
}

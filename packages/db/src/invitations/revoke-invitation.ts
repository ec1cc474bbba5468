import type { InvitationView } from "@gatehouse/contracts";
import { canActOnRole, conflict, forbidden, notFound } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { db, TX_OPTIONS } from "../infra/client";
import { currentRole } from "../members/member-access";
import { INVITATION_INCLUDE, invitationView } from "./invitation-view";

/**
 * Revokes an invitation of this org (another org's id is 404): its link stops working. Revoking twice
 * answers the revoked invitation; an accepted one is a 409 (remove the member instead). An invitation
 * with a role above the caller's is theirs to revoke only from at least that rank.
 */
export async function revokeInvitation({ ctx, input }: { ctx: Ctx; input: { invitationId: string } }): Promise<InvitationView> {
  requirePermission(ctx, "members.manage");
  return db().$transaction(async (tx) => {
    const actorRole = await currentRole(tx, ctx, "members.manage");
    const row = await tx.invitation.findFirst({ where: { id: input.invitationId, orgId: ctx.org.id }, include: INVITATION_INCLUDE });
    if (!row) throw notFound("invitation");
    if (actorRole !== "system" && !canActOnRole(actorRole, row.role)) throw forbidden(`a member with the role ${actorRole} cannot revoke an invitation with the role ${row.role}`);
    if (row.acceptedAt) throw conflict("this invitation was already accepted: remove the member instead");
    if (row.revokedAt) return invitationView(row);
    const updated = await tx.invitation.update({ where: { id: row.id }, data: { revokedAt: new Date() }, include: INVITATION_INCLUDE });
    await appendAuditEntry(tx, ctx.org.id, { type: "invitation.revoked", actor: actorRef(ctx.actor), subjectId: row.id, data: { email: row.email, role: row.role } });
    return invitationView(updated);
  }, TX_OPTIONS);
}

import type { InvitationView } from "@gatehouse/contracts";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { readDb } from "../infra/replica";
import { INVITATION_INCLUDE, invitationView } from "./invitation-view";

/** The org's pending invitations (not accepted, not revoked, not expired), newest first. */
export async function listInvitations({ ctx, now = Date.now() }: { ctx: Ctx; now?: number }): Promise<InvitationView[]> {
  requirePermission(ctx, "members.read");
  const rows = await readDb().invitation.findMany({
    where: { orgId: ctx.org.id, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date(now) } },
    include: INVITATION_INCLUDE,
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
  });
  return rows.map((row) => invitationView(row, now));
}

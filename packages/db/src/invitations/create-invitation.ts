import { createInvitationBodySchema, type CreatedInvitation } from "@gatehouse/contracts";
import { canActOnRole, conflict, forbidden, newId, validationError, zodIssues } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { db, TX_OPTIONS } from "../infra/client";
import { consoleOrigin } from "../infra/env";
import { currentRole } from "../members/member-access";
import { invitationEmail } from "./invitation-email";
import { admitInvitation, type InvitationLimits } from "./invitation-throttle";
import { issueInvitationToken } from "./invitation-token";
import { INVITATION_INCLUDE, invitationStatus, invitationView } from "./invitation-view";
import { sendInvitationEmail } from "./send-invitation-email";

export interface CreateInvitationDeps {
  now?: number;
  /** Default INVITATION_LIMITS. */
  limits?: InvitationLimits;
}

/** The console page that accepts an invitation, on the one configured public origin (GATEHOUSE_CONSOLE_URL). */
export function acceptUrlOf(token: string): string {
  return `${consoleOrigin()}/invite/${token}`;
}

/**
 * Invites `email` to the org with `role` (at most the caller's own rank). The invitation is single-use,
 * expires (7 days by default) and can be revoked; only its token's hash is stored, and the token goes
 * to the invitee's mailbox only — never into the answer, a log, an audit entry or an event — so
 * accepting it proves the invitee reads that mail. Invitations are limited per org and per sender
 * (admitInvitation, 429). An email that is already a member, or already has a pending invitation, is a
 * 409. With an `idempotencyKey`, a retry of the same request mails a fresh link for the same invitation.
 */
export async function createInvitation({
  ctx,
  input,
  deps = {},
}: {
  ctx: Ctx;
  input: { body: unknown; idempotencyKey?: string | undefined };
  deps?: CreateInvitationDeps;
}): Promise<CreatedInvitation> {
  requirePermission(ctx, "members.manage");
  const parsed = createInvitationBodySchema.safeParse(input.body);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const { email, role, expiresInDays } = parsed.data;
  const now = deps.now ?? Date.now();
  await admitInvitation(ctx, deps.limits, now);
  const token = issueInvitationToken();
  const idempotencyKey = input.idempotencyKey ?? null;
  const result = await db().$transaction(async (tx) => {
    const actorRole = await currentRole(tx, ctx, "members.manage");
    if (actorRole !== "system" && !canActOnRole(actorRole, role))
      throw forbidden(`a member with the role ${actorRole} cannot invite with the role ${role}: it ranks above their own`);
    if (idempotencyKey) {
      const earlier = await tx.invitation.findUnique({ where: { orgId_idempotencyKey: { orgId: ctx.org.id, idempotencyKey } } });
      if (earlier) {
        if (earlier.email !== email || earlier.role !== role) throw conflict("this Idempotency-Key was used for another invitation");
        if (invitationStatus(earlier, now) !== "pending") throw conflict(`the invitation this Idempotency-Key created is ${invitationStatus(earlier, now)}`);
        const row = await tx.invitation.update({ where: { id: earlier.id }, data: { tokenHash: token.hash }, include: INVITATION_INCLUDE });
        await appendAuditEntry(tx, ctx.org.id, { type: "invitation.reissued", actor: actorRef(ctx.actor), subjectId: row.id, data: { email, role } });
        return row;
      }
    }
    const member = await tx.membership.findFirst({ where: { orgId: ctx.org.id, removedAt: null, user: { email: { equals: email, mode: "insensitive" } } }, select: { id: true } });
    if (member) throw conflict(`email: ${email} is already a member of this organization`, { issues: [{ path: "email", message: "is already a member" }] });
    const pending = await tx.invitation.findFirst({
      where: { orgId: ctx.org.id, email, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date(now) } },
      select: { id: true },
    });
    if (pending) {
      throw conflict(`email: ${email} already has a pending invitation (${pending.id}); revoke it to invite again`, {
        issues: [{ path: "email", message: "already has a pending invitation" }],
      });
    }
    const row = await tx.invitation.create({
      data: {
        id: newId("invitation"),
        orgId: ctx.org.id,
        email,
        role,
        tokenHash: token.hash,
        invitedByMembershipId: ctx.actor.type === "user" || ctx.actor.type === "adminKey" ? ctx.actor.membershipId : null,
        idempotencyKey,
        expiresAt: new Date(now + expiresInDays * 86_400_000),
        createdAt: new Date(now),
      },
      include: INVITATION_INCLUDE,
    });
    await appendAuditEntry(tx, ctx.org.id, {
      type: "member.invited",
      actor: actorRef(ctx.actor),
      subjectId: row.id,
      data: { email, role, expiresAt: row.expiresAt.toISOString() },
    });
    return row;
  }, TX_OPTIONS);
  const acceptUrl = acceptUrlOf(token.plaintext);
  const org = await db().org.findUniqueOrThrow({ where: { id: ctx.org.id }, select: { name: true } });
  const mail = invitationEmail({ orgName: org.name, inviterName: result.invitedBy?.user.name ?? org.name, role, acceptUrl, expiresAt: result.expiresAt });
  const { sent } = await sendInvitationEmail({ to: email, link: acceptUrl, ...mail });
  return { invitation: invitationView(result, now), emailSent: sent };
}

import { acceptInvitationInputSchema } from "@gatehouse/contracts";
import { conflict, forbidden, hashPassword, newId, notFound, validationError, zodIssues, type MemberRole } from "@gatehouse/core";
import type { OrgRef } from "../actors/context";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { db, TX_OPTIONS } from "../infra/client";
import { hashInvitationToken, isInvitationToken } from "./invitation-token";
import { inviterMayInvite } from "./revoke-inviter-invitations";

export interface AcceptedInvitation {
  org: OrgRef;
  userId: string;
  membershipId: string;
  role: MemberRole;
  /** True when the account was created by this acceptance. */
  newAccount: boolean;
}

/**
 * Accepts an invitation by its token (the console's `/invite/<token>` page), once:
 * - `user`: the signed-in user (the console passes their id); their email must be the invitation's
 *   (case-insensitive), else 403;
 * - `newAccount`: an account is created for the invitation's email with `name` and `password`; an
 *   email that already has an account is a 409 (sign in and accept).
 * The user becomes a member with the invitation's role (`member.joined`, the new member as actor). A
 * removed member who is invited again gets their membership back. An unknown token is 404; a used,
 * revoked or expired one a 409 whose `details.reason` is `used`, `revoked` or `expired`; so is one
 * whose inviter has since left or lost the rank to send it (`revoked`), or whose org was closed.
 *
 * The token reached only the invitee's mailbox, so accepting marks the email verified. What rests on
 * the link alone is marked for single sign-on's first proof of the address (signInWithSso): a password
 * chosen here (`password_unproved`), and the membership when the account had no other proof (created
 * here, or holding such a password and never signed in with SSO: `unproved_invitation`).
 */
export async function acceptInvitation({ input, now = Date.now() }: { input: unknown; now?: number }): Promise<AcceptedInvitation> {
  const parsed = acceptInvitationInputSchema.safeParse(input);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const data = parsed.data;
  if (!isInvitationToken(data.token)) throw notFound("invitation");
  const passwordHash = "newAccount" in data ? await hashPassword(data.newAccount.password) : null;
  return db().$transaction(async (tx) => {
    // Locked: two acceptances of one token at once cannot both pass.
    const [locked] = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM invitations WHERE token_hash = ${hashInvitationToken(data.token)} FOR UPDATE`;
    if (!locked) throw notFound("invitation");
    const invitation = await tx.invitation.findUniqueOrThrow({ where: { id: locked.id }, include: { org: true } });
    if (invitation.acceptedAt) throw conflict("this invitation was already used: ask for a new one if you need access", { reason: "used" });
    if (invitation.revokedAt) throw conflict("this invitation was revoked: ask for a new one if you need access", { reason: "revoked" });
    if (invitation.expiresAt.getTime() <= now) throw conflict(`this invitation expired at ${invitation.expiresAt.toISOString()}: ask for a new one`, { reason: "expired" });
    if (invitation.org.closedAt) throw conflict("this organization is closed: the invitation no longer works", { reason: "revoked" });
    if (invitation.invitedByMembershipId) {
      const inviter = await tx.membership.findUnique({ where: { id: invitation.invitedByMembershipId }, select: { role: true, removedAt: true } });
      if (!inviterMayInvite(inviter && !inviter.removedAt ? inviter.role : null, invitation.role)) {
        throw conflict("this invitation was revoked: whoever sent it may no longer invite with this role. Ask for a new one.", { reason: "revoked" });
      }
    }
    let user: { id: string; email: string; passwordUnproved: boolean; ssoSubject: string | null };
    const userSelect = { id: true, email: true, passwordUnproved: true, ssoSubject: true, emailVerifiedAt: true } as const;
    if ("user" in data) {
      const found = await tx.user.findUnique({ where: { id: data.user.id }, select: userSelect });
      if (!found) throw notFound("user");
      if (found.email.toLowerCase() !== invitation.email.toLowerCase()) throw forbidden("this invitation is for another email address: sign in with the invited address");
      user = found.emailVerifiedAt ? found : await tx.user.update({ where: { id: found.id }, data: { emailVerifiedAt: new Date(now) }, select: userSelect });
    } else {
      if (await tx.user.findFirst({ where: { email: { equals: invitation.email, mode: "insensitive" } }, select: { id: true } })) {
        throw conflict("an account with this email already exists: sign in, then accept the invitation", { reason: "account_exists" });
      }
      user = await tx.user.create({
        data: { id: newId("user"), email: invitation.email, name: data.newAccount.name, passwordHash, passwordUnproved: true, emailVerifiedAt: new Date(now) },
        select: userSelect,
      });
    }
    const unprovedInvitation = !("user" in data) || (user.passwordUnproved && user.ssoSubject === null);
    const existing = await tx.membership.findUnique({ where: { orgId_userId: { orgId: invitation.orgId, userId: user.id } } });
    if (existing && !existing.removedAt) throw conflict("you are already a member of this organization", { reason: "already_member" });
    const membership = existing
      ? await tx.membership.update({ where: { id: existing.id }, data: { role: invitation.role, removedAt: null, lastActiveAt: null, unprovedInvitation } })
      : await tx.membership.create({ data: { id: newId("membership"), orgId: invitation.orgId, userId: user.id, role: invitation.role, unprovedInvitation } });
    await tx.invitation.update({ where: { id: invitation.id }, data: { acceptedAt: new Date(now), acceptedByMembershipId: membership.id } });
    await appendAuditEntry(tx, invitation.orgId, {
      type: "member.joined",
      actor: { type: "member", id: membership.id },
      subjectId: membership.id,
      data: { userId: user.id, email: user.email, role: invitation.role, invitationId: invitation.id, newAccount: !("user" in data) },
    });
    return {
      org: { id: invitation.org.id, slug: invitation.org.slug, name: invitation.org.name },
      userId: user.id,
      membershipId: membership.id,
      role: invitation.role,
      newAccount: !("user" in data),
    };
  }, TX_OPTIONS);
}

import { DomainError, emailDomain, isSafeText, newId, signInSettings, type MemberRole } from "@gatehouse/core";
import { z } from "zod";
import { actorRef } from "../actors/actor-ref";
import { systemCtx } from "../actors/context";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { db, TX_OPTIONS, type Tx } from "../infra/client";
import { isUniqueViolation } from "../infra/prisma-errors";
import { announceMemberChange, revokeMemberKeys } from "../members/member-access";

/** details.reason of the FORBIDDEN for an identity provider that did not assert a verified email. */
export const SSO_EMAIL_UNVERIFIED = "SSO_EMAIL_UNVERIFIED";
/** details.reason of the FORBIDDEN when the account of the email is linked to another subject of the issuer (or the subject to another account). */
export const SSO_IDENTITY_MISMATCH = "SSO_IDENTITY_MISMATCH";

const inputSchema = z.object({
  /** The OpenID Connect issuer the console is configured with. */
  issuer: z.string().min(1).max(500),
  /** The ID token's `sub`: the provider's stable id of the person. */
  subject: z.string().min(1).max(255),
  email: z.string().max(320).nullish(),
  emailVerified: z.unknown(),
  name: z.string().nullish(),
});

export interface SsoSignIn {
  id: string;
  email: string;
  name: string;
  sessionVersion: number;
  /** The org the email's domain routes to and what happened there; null when no org routes it. */
  routed: { orgId: string; orgSlug: string; membershipId: string | null; outcome: "joined" | "member" | "removed" } | null;
  /** What the first proof of the address took away: whether a password was removed, and the memberships ended. */
  dropped: { password: boolean; memberships: Array<{ orgId: string; membershipId: string; revokedKeys: string[] }> };
}

const emailSchema = z.email().max(320);

function refuse(reason: string, message: string): DomainError {
  return new DomainError("FORBIDDEN", message, { reason });
}

/** A display name from the provider's `name`, or the email's local part: one line, safe text, ≤ 200. */
function displayName(name: string | null | undefined, email: string): string {
  const cleaned = (name ?? "")
    .replace(/[\r\n\t]+/g, " ")
    .trim()
    .slice(0, 200);
  return cleaned && isSafeText(cleaned) ? cleaned : email.slice(0, email.indexOf("@"));
}

/**
 * Console sign-in through the instance's OpenID Connect provider (ADR 0012), after next-auth checked
 * the authorization response (state, PKCE, nonce, ID token). The provider must assert the email as
 * verified (`email_verified: true`), else FORBIDDEN with details.reason SSO_EMAIL_UNVERIFIED.
 *
 * The account is the one with that email (case-insensitive), created when there is none (no password,
 * email verified). The first SSO sign-in links the issuer and subject to it; a later one with the same
 * email but another subject (or a subject linked to another account) is refused (SSO_IDENTITY_MISMATCH).
 *
 * The first SSO sign-in of an account (none linked yet) is the owner's proof of the address, and what
 * someone else may have set up on it before goes (ADR 0012, "Who proved it"):
 * - the password, if it was chosen without proof of the mailbox that the owner chose it: a pending
 *   self-service sign-up (email never verified) or the accept page of an invitation (whoever held the
 *   link, e.g. the inviter who got it back) — with every session (the session version moves on);
 * - every membership joined through an invitation by the account while it had no other proof
 *   (`unproved_invitation`): ended as a removal by the system (`member.removed`, reason
 *   `sso_first_proof`), its admin keys revoked. A routed org's membership ended so is then re-joined
 *   by JIT with the org's default role. A password the owner set through a mailed reset link, a
 *   verified sign-up and memberships from SSO or an operator stay.
 *
 * Just-in-time membership: when an org routes the email's domain (signIn.ssoDomains) and the user has
 * no membership there, they join with its ssoDefaultRole (`member.joined`, the new member as actor,
 * `via: "sso"`). A removed member is not re-added: an owner or admin must invite them again.
 */
export async function signInWithSso({ input }: { input: unknown }): Promise<SsoSignIn> {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) throw refuse(SSO_EMAIL_UNVERIFIED, "The identity provider did not send a usable identity.");
  const { issuer, subject } = parsed.data;
  const email = emailSchema.safeParse(parsed.data.email?.trim().toLowerCase());
  if (!email.success || parsed.data.emailVerified !== true) {
    throw refuse(SSO_EMAIL_UNVERIFIED, "Your identity provider did not confirm your email address as verified, so Gatehouse cannot sign you in with it.");
  }
  const run = () => db().$transaction((tx) => signIn(tx, { issuer, subject, email: email.data, name: parsed.data.name }), TX_OPTIONS);
  let result: SsoSignIn;
  try {
    result = await run();
  } catch (error) {
    // Two first sign-ins of one person at once: the loser finds the account the winner created.
    if (!isUniqueViolation(error)) throw error;
    result = await run();
  }
  for (const ended of result.dropped.memberships) await announceMemberChange(ended.orgId, ended.membershipId, ended.revokedKeys);
  if (result.routed?.outcome === "joined" && result.routed.membershipId) await announceMemberChange(result.routed.orgId, result.routed.membershipId, []);
  return result;
}

async function signIn(tx: Tx, data: { issuer: string; subject: string; email: string; name: string | null | undefined }): Promise<SsoSignIn> {
  const { issuer, subject, email } = data;
  const byEmail = await tx.user.findFirst({ where: { email: { equals: email, mode: "insensitive" } } });
  const bySubject = await tx.user.findUnique({ where: { ssoIssuer_ssoSubject: { ssoIssuer: issuer, ssoSubject: subject } }, select: { id: true } });
  const mismatch = (bySubject && bySubject.id !== byEmail?.id) || (byEmail && byEmail.ssoIssuer === issuer && byEmail.ssoSubject !== null && byEmail.ssoSubject !== subject);
  if (mismatch) {
    throw refuse(SSO_IDENTITY_MISMATCH, "This email's Gatehouse account is linked to another identity at your identity provider. Ask an administrator.");
  }
  let user: { id: string; email: string; name: string; sessionVersion: number };
  let newAccount = false;
  let droppedPassword = false;
  const endedMemberships: SsoSignIn["dropped"]["memberships"] = [];
  if (!byEmail) {
    user = await tx.user.create({
      data: { id: newId("user"), email, name: displayName(data.name, email), passwordHash: null, emailVerifiedAt: new Date(), ssoIssuer: issuer, ssoSubject: subject },
    });
    newAccount = true;
  } else if (byEmail.ssoSubject === null) {
    // The first proof of the address by its owner.
    droppedPassword = byEmail.passwordHash !== null && (!byEmail.emailVerifiedAt || byEmail.passwordUnproved);
    user = await tx.user.update({
      where: { id: byEmail.id },
      data: {
        emailVerifiedAt: byEmail.emailVerifiedAt ?? new Date(),
        ssoIssuer: issuer,
        ssoSubject: subject,
        passwordUnproved: false,
        ...(droppedPassword || !byEmail.emailVerifiedAt ? { passwordHash: null, sessionVersion: { increment: 1 } } : {}),
      },
    });
    endedMemberships.push(...(await endUnprovedMemberships(tx, byEmail.id)));
  } else if (byEmail.ssoIssuer !== issuer) {
    user = await tx.user.update({ where: { id: byEmail.id }, data: { ssoIssuer: issuer, ssoSubject: subject } });
  } else {
    user = byEmail;
  }
  const dropped = { password: droppedPassword, memberships: endedMemberships };
  const account = { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion };
  // Only a proved domain routes (verifySsoDomain), and never to a closed org.
  const route = await tx.orgSsoDomain.findUnique({ where: { domain: emailDomain(email) }, include: { org: { select: { id: true, slug: true, settings: true, closedAt: true } } } });
  if (!route || route.org.closedAt) return { ...account, routed: null, dropped };
  const org = route.org;
  const existing = await tx.membership.findUnique({ where: { orgId_userId: { orgId: org.id, userId: user.id } }, select: { id: true, removedAt: true } });
  const endedNow = existing !== null && endedMemberships.some((m) => m.membershipId === existing.id);
  if (existing && !endedNow)
    return { ...account, routed: { orgId: org.id, orgSlug: org.slug, membershipId: existing.id, outcome: existing.removedAt ? "removed" : "member" }, dropped };
  const role: MemberRole = signInSettings(org.settings).ssoDefaultRole;
  const membership = existing
    ? await tx.membership.update({ where: { id: existing.id }, data: { role, removedAt: null, lastActiveAt: null, unprovedInvitation: false } })
    : await tx.membership.create({ data: { id: newId("membership"), orgId: org.id, userId: user.id, role } });
  await appendAuditEntry(tx, org.id, {
    type: "member.joined",
    actor: { type: "member", id: membership.id },
    subjectId: membership.id,
    data: { userId: user.id, email: user.email, role, via: "sso", domain: route.domain, newAccount },
  });
  return { ...account, routed: { orgId: org.id, orgSlug: org.slug, membershipId: membership.id, outcome: "joined" }, dropped };
}

/**
 * Ends the account's live memberships that rest only on an invitation link (`unproved_invitation`), as
 * removals by the system in each org (`member.removed`, reason `sso_first_proof`), with their admin
 * keys. A closed org's log takes no entries: its membership ends without one (only owners read it).
 */
async function endUnprovedMemberships(tx: Tx, userId: string): Promise<SsoSignIn["dropped"]["memberships"]> {
  const rows = await tx.membership.findMany({
    where: { userId, unprovedInvitation: true, removedAt: null },
    include: { org: { select: { id: true, slug: true, name: true, closedAt: true } }, user: { select: { email: true } } },
    orderBy: { id: "asc" },
  });
  const ended: SsoSignIn["dropped"]["memberships"] = [];
  const now = new Date();
  for (const row of rows) {
    await tx.membership.update({ where: { id: row.id }, data: { removedAt: now, unprovedInvitation: false } });
    if (row.org.closedAt) continue;
    const ctx = systemCtx({ id: row.org.id, slug: row.org.slug, name: row.org.name }, "sso");
    await appendAuditEntry(tx, row.org.id, {
      type: "member.removed",
      actor: actorRef(ctx.actor),
      subjectId: row.id,
      data: { userId, email: row.user.email, role: row.role, reason: "sso_first_proof" },
    });
    ended.push({ orgId: row.org.id, membershipId: row.id, revokedKeys: await revokeMemberKeys(tx, ctx, row.id, now, "member removed") });
  }
  return ended;
}

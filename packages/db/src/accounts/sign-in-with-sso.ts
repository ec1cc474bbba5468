import { DomainError, emailDomain, isSafeText, newId, signInSettings, type MemberRole } from "@gatehouse/core";
import { z } from "zod";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { db, TX_OPTIONS, type Tx } from "../infra/client";
import { isUniqueViolation } from "../infra/prisma-errors";
import { announceMemberChange } from "../members/member-access";

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
 * An account whose email was never verified (a pending self-service sign-up) loses its password and
 * its sessions when SSO proves the address: whoever chose that password never proved they own it.
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
  if (!byEmail) {
    user = await tx.user.create({
      data: { id: newId("user"), email, name: displayName(data.name, email), passwordHash: null, emailVerifiedAt: new Date(), ssoIssuer: issuer, ssoSubject: subject },
    });
    newAccount = true;
  } else if (!byEmail.emailVerifiedAt) {
    user = await tx.user.update({
      where: { id: byEmail.id },
      data: { emailVerifiedAt: new Date(), passwordHash: null, sessionVersion: { increment: 1 }, ssoIssuer: issuer, ssoSubject: subject },
    });
  } else if (byEmail.ssoIssuer !== issuer || byEmail.ssoSubject !== subject) {
    user = await tx.user.update({ where: { id: byEmail.id }, data: { ssoIssuer: issuer, ssoSubject: subject } });
  } else {
    user = byEmail;
  }
  const account = { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion };
  const route = await tx.orgSsoDomain.findUnique({ where: { domain: emailDomain(email) }, include: { org: { select: { id: true, slug: true, settings: true } } } });
  if (!route) return { ...account, routed: null };
  const org = route.org;
  const existing = await tx.membership.findUnique({ where: { orgId_userId: { orgId: org.id, userId: user.id } }, select: { id: true, removedAt: true } });
  if (existing) return { ...account, routed: { orgId: org.id, orgSlug: org.slug, membershipId: existing.id, outcome: existing.removedAt ? "removed" : "member" } };
  const role: MemberRole = signInSettings(org.settings).ssoDefaultRole;
  const membership = await tx.membership.create({ data: { id: newId("membership"), orgId: org.id, userId: user.id, role } });
  await appendAuditEntry(tx, org.id, {
    type: "member.joined",
    actor: { type: "member", id: membership.id },
    subjectId: membership.id,
    data: { userId: user.id, email: user.email, role, via: "sso", domain: route.domain, newAccount },
  });
  return { ...account, routed: { orgId: org.id, orgSlug: org.slug, membershipId: membership.id, outcome: "joined" } };
}

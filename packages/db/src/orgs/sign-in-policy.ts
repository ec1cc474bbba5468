import {
  conflict,
  DomainError,
  emailDomain,
  isPublicMailDomain,
  randomToken,
  sessionMeetsSignInPolicy,
  signInSettings,
  validationError,
  type SignInMethod,
  type SignInSettings,
  type SignInSettingsPatch,
} from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import type { Tx } from "../infra/client";
import { orgSettingsSnapshot } from "../snapshots/settings-snapshot";

/** details.reason of the FORBIDDEN a password session gets from an org that requires single sign-on. */
export const SSO_REQUIRED = "SSO_REQUIRED";

export interface SignInPolicyDeps {
  /**
   * Whether the instance has an OpenID Connect provider configured (the console knows; it passes it).
   * False refuses turning `ssoRequired` on: nobody could meet it. Undefined (the API) does not check.
   */
  ssoConfigured?: boolean;
}

const DOMAINS = "signIn.ssoDomains";
const REQUIRED = "signIn.ssoRequired";

function refusedConflict(path: string, message: string): DomainError {
  return conflict(`${path}: ${message}`, { issues: [{ path, message }] });
}

/** The email of the person acting (a user, or an admin key's member); null for the system. */
async function actorEmail(tx: Tx, ctx: Ctx): Promise<string | null> {
  if (ctx.actor.type !== "user" && ctx.actor.type !== "adminKey") return null;
  const user = await tx.user.findUniqueOrThrow({ where: { id: ctx.actor.userId }, select: { email: true } });
  return user.email;
}

/**
 * Applies a change of the org's sign-in policy inside the settings transaction (the org row is locked)
 * and answers the new policy. The rules (ADR 0012):
 * - a domain in `ssoDomains` is a claim: it routes nobody until the org proves it with a DNS TXT record
 *   (verifySsoDomain). A new domain gets its claim and token here; a dropped one loses its claim and,
 *   if proved, its route. Several orgs may claim one domain: an unproved claim blocks nobody;
 * - a public mail domain (gmail.com, outlook.com, …) cannot be claimed → 400 naming the field;
 * - a domain another org proved cannot be claimed → 409 naming the field (it routes there);
 * - `ssoRequired` may be on only while the actor's own email domain is proved for this org, so whoever
 *   turns it on (or changes the domains under it) can still sign in; turning it on when the instance
 *   has no OIDC provider is refused → 409. Owners are never held to it (sessionMeetsSignInPolicy).
 */
export async function applySignInChange(tx: Tx, ctx: Ctx, before: SignInSettings, patch: SignInSettingsPatch, deps: SignInPolicyDeps = {}): Promise<SignInSettings> {
  const after: SignInSettings = {
    ssoDomains: patch.ssoDomains ?? before.ssoDomains,
    ssoDefaultRole: patch.ssoDefaultRole ?? before.ssoDefaultRole,
    ssoRequired: patch.ssoRequired ?? before.ssoRequired,
  };
  const claims = await tx.orgDomainClaim.findMany({ where: { orgId: ctx.org.id }, select: { domain: true, verifiedAt: true } });
  const claimed = new Set(claims.map((c) => c.domain));
  const added = after.ssoDomains.filter((d) => !claimed.has(d));
  const removed = [...claimed].filter((d) => !after.ssoDomains.includes(d));
  for (const [index, domain] of after.ssoDomains.entries()) {
    if (added.includes(domain) && isPublicMailDomain(domain)) {
      throw validationError([{ path: `${DOMAINS}.${index}`, message: `${domain} is a public mail domain: its people are not one organization's, so it cannot be routed` }]);
    }
  }
  if (added.length > 0) {
    const taken = await tx.orgSsoDomain.findFirst({ where: { domain: { in: added }, orgId: { not: ctx.org.id } }, select: { domain: true } });
    if (taken) throw refusedConflict(DOMAINS, `${taken.domain} is proved and routed to another organization`);
  }
  const turnedOn = after.ssoRequired && !before.ssoRequired;
  if (turnedOn && deps.ssoConfigured === false) throw refusedConflict(REQUIRED, "this instance has no single sign-on provider configured (AUTH_OIDC_ISSUER)");
  const email = await actorEmail(tx, ctx);
  const own = email === null ? null : emailDomain(email);
  const provedAfter = claims.filter((c) => c.verifiedAt !== null && after.ssoDomains.includes(c.domain)).map((c) => c.domain);
  if (after.ssoRequired && (turnedOn || added.length > 0 || removed.length > 0) && own !== null && !provedAfter.includes(own)) {
    throw refusedConflict(
      REQUIRED,
      `prove your own email's domain (${own}) for this organization first (its DNS TXT record), or you could not sign in with single sign-on once it is required`,
    );
  }
  if (removed.length > 0) {
    await tx.orgSsoDomain.deleteMany({ where: { orgId: ctx.org.id, domain: { in: removed } } });
    await tx.orgDomainClaim.deleteMany({ where: { orgId: ctx.org.id, domain: { in: removed } } });
  }
  if (added.length > 0) await tx.orgDomainClaim.createMany({ data: added.map((domain) => ({ orgId: ctx.org.id, domain, token: randomToken(32) })) });
  return after;
}

/**
 * Whether a console session signed in with `signInMethod` may use the org of `ctx`. An org that
 * requires single sign-on refuses a password session of anyone but an owner with FORBIDDEN
 * (details.reason SSO_REQUIRED): the console shows "This organization requires single sign-on".
 * Admin keys never come here: they are API credentials.
 */
export async function checkSessionSignInPolicy({ ctx, signInMethod }: { ctx: Ctx; signInMethod: SignInMethod }): Promise<void> {
  const settings = signInSettings(await orgSettingsSnapshot(ctx.org.id));
  if (ctx.actor.type !== "user" || sessionMeetsSignInPolicy(settings, signInMethod, ctx.actor.role)) return;
  throw new DomainError("FORBIDDEN", "This organization requires single sign-on: sign in with SSO to use it.", { reason: SSO_REQUIRED });
}

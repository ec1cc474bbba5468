import { conflict, DomainError, emailDomain, sessionMeetsSignInPolicy, signInSettings, type SignInMethod, type SignInSettings, type SignInSettingsPatch } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import type { Tx } from "../infra/client";
import { isUniqueViolation } from "../infra/prisma-errors";
import { orgSettingsSnapshot } from "./settings-snapshot";

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

function refused(code: "FORBIDDEN" | "CONFLICT", path: string, message: string): DomainError {
  const issues = [{ path, message }];
  return code === "CONFLICT" ? conflict(`${path}: ${message}`, { issues }) : new DomainError("FORBIDDEN", `${path}: ${message}`, { issues });
}

/** The email of the person acting (a user, or an admin key's member); null for the system. */
async function actorEmail(tx: Tx, ctx: Ctx): Promise<string | null> {
  if (ctx.actor.type !== "user" && ctx.actor.type !== "adminKey") return null;
  const user = await tx.user.findUniqueOrThrow({ where: { id: ctx.actor.userId }, select: { email: true } });
  return user.email;
}

/**
 * Applies a change of the org's sign-in policy inside the settings transaction and answers the new
 * policy. The rules (ADR 0012):
 * - a domain newly routed to the org must be the domain of the actor's own email (a person may route
 *   only the people of their own domain; the system actor, e.g. the seed, may route any) → 403;
 * - a domain routes to one org only: one routed by another org → 409 (org_sso_domains' primary key,
 *   kept in step with the setting here, also settles two orgs claiming it at once);
 * - `ssoRequired` may be on only while the actor's own email domain is routed to the org, so whoever
 *   turns it on (or changes the domains under it) can still sign in; turning it on when the instance
 *   has no OIDC provider is refused → 409.
 */
export async function applySignInChange(tx: Tx, ctx: Ctx, before: SignInSettings, patch: SignInSettingsPatch, deps: SignInPolicyDeps = {}): Promise<SignInSettings> {
  const after: SignInSettings = {
    ssoDomains: patch.ssoDomains ?? before.ssoDomains,
    ssoDefaultRole: patch.ssoDefaultRole ?? before.ssoDefaultRole,
    ssoRequired: patch.ssoRequired ?? before.ssoRequired,
  };
  const email = await actorEmail(tx, ctx);
  const own = email === null ? null : emailDomain(email);
  const added = after.ssoDomains.filter((d) => !before.ssoDomains.includes(d));
  const removed = before.ssoDomains.filter((d) => !after.ssoDomains.includes(d));
  for (const domain of added) {
    if (own !== null && domain !== own) throw refused("FORBIDDEN", DOMAINS, `you can route only your own email's domain (${own}), not ${domain}`);
  }
  const turnedOn = after.ssoRequired && !before.ssoRequired;
  if (turnedOn && deps.ssoConfigured === false) throw refused("CONFLICT", REQUIRED, "this instance has no single sign-on provider configured (AUTH_OIDC_ISSUER)");
  if (after.ssoRequired && (turnedOn || added.length > 0 || removed.length > 0) && own !== null && !after.ssoDomains.includes(own)) {
    throw refused("CONFLICT", REQUIRED, `route your own email's domain (${own}) to this organization first, or you could not sign in once single sign-on is required`);
  }
  if (removed.length > 0) await tx.orgSsoDomain.deleteMany({ where: { orgId: ctx.org.id, domain: { in: removed } } });
  if (added.length > 0) {
    const taken = await tx.orgSsoDomain.findFirst({ where: { domain: { in: added }, orgId: { not: ctx.org.id } }, select: { domain: true } });
    if (taken) throw refused("CONFLICT", DOMAINS, `${taken.domain} is already routed to another organization`);
    try {
      await tx.orgSsoDomain.createMany({ data: added.map((domain) => ({ domain, orgId: ctx.org.id })) });
    } catch (error) {
      if (isUniqueViolation(error)) throw refused("CONFLICT", DOMAINS, `${added.join(", ")}: already routed to another organization`);
      throw error;
    }
  }
  return after;
}

/**
 * Whether a console session signed in with `method` may use the org of `ctx`. An org that requires
 * single sign-on refuses a password session with FORBIDDEN (details.reason SSO_REQUIRED): the console
 * shows "This organization requires single sign-on". Admin keys never come here: they are API credentials.
 */
export async function checkSessionSignInPolicy({ ctx, signInMethod }: { ctx: Ctx; signInMethod: SignInMethod }): Promise<void> {
  const settings = signInSettings(await orgSettingsSnapshot(ctx.org.id));
  if (sessionMeetsSignInPolicy(settings, signInMethod)) return;
  throw new DomainError("FORBIDDEN", "This organization requires single sign-on: sign in with SSO to use it.", { reason: SSO_REQUIRED });
}

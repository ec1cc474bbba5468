import { z } from "zod";
import { isTopRole, MEMBER_ROLES, type MemberRole } from "../permissions";

/**
 * An org's sign-in policy (ADR 0012), kept in its settings under `signIn`:
 * - `ssoDomains`: email domains whose people, signing in through the instance's OpenID Connect
 *   provider, join this org just in time (a domain routes to one org only);
 * - `ssoDefaultRole`: the role they join with (never owner);
 * - `ssoRequired`: members must have signed in with SSO to use the org in the console (admin keys,
 *   API credentials, keep working; owners keep their password: the way in if the provider fails).
 */
/** The roles single sign-on may give on joining: every role of the catalogue but the top one (owner). */
export const SSO_DEFAULT_ROLES = MEMBER_ROLES.filter((role) => !isTopRole(role)) as [MemberRole, ...MemberRole[]];
export type SsoDefaultRole = MemberRole;

export const MAX_SSO_DOMAINS = 20;

/** A lower-case DNS name with at least two labels (example.com), at most 253 characters. */
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const ssoDomainSchema = z.string().trim().toLowerCase().regex(DOMAIN, "must be a domain name such as example.com");

/** The fields as a change names them (each optional, no defaults: a change merges onto the current policy). */
export const signInSettingsPatchSchema = z.strictObject({
  ssoDomains: z
    .array(ssoDomainSchema)
    .max(MAX_SSO_DOMAINS, `at most ${MAX_SSO_DOMAINS} domains`)
    .refine((list) => new Set(list).size === list.length, "lists a domain twice")
    .optional(),
  ssoDefaultRole: z.enum(SSO_DEFAULT_ROLES).optional(),
  ssoRequired: z.boolean().optional(),
});
export type SignInSettingsPatch = z.output<typeof signInSettingsPatchSchema>;

// A type, not an interface: it is stored as JSON (Prisma's JSON input needs an index-compatible type).
export type SignInSettings = {
  ssoDomains: string[];
  ssoDefaultRole: SsoDefaultRole;
  ssoRequired: boolean;
};

export const DEFAULT_SIGN_IN_SETTINGS: Readonly<SignInSettings> = Object.freeze({ ssoDomains: [], ssoDefaultRole: "viewer", ssoRequired: false });

/** The sign-in policy of an org's settings object; missing or invalid fields give the defaults. */
export function signInSettings(orgSettings: unknown): SignInSettings {
  const raw = orgSettings && typeof orgSettings === "object" ? (orgSettings as { signIn?: unknown }).signIn : undefined;
  const parsed = signInSettingsPatchSchema.safeParse(raw ?? {});
  const data = parsed.success ? parsed.data : {};
  return {
    ssoDomains: data.ssoDomains ?? [],
    ssoDefaultRole: data.ssoDefaultRole ?? DEFAULT_SIGN_IN_SETTINGS.ssoDefaultRole,
    ssoRequired: data.ssoRequired ?? DEFAULT_SIGN_IN_SETTINGS.ssoRequired,
  };
}

/** The domain of an email address, lower-cased ("" when it has none). */
export function emailDomain(email: string): string {
  const at = email.lastIndexOf("@");
  return at < 0
    ? ""
    : email
        .slice(at + 1)
        .trim()
        .toLowerCase();
}

/** How a console session was signed in. */
export const SIGN_IN_METHODS = ["password", "sso"] as const;
export type SignInMethod = (typeof SIGN_IN_METHODS)[number];

/**
 * Whether a console session signed in with `method` may use an org with this policy, as a member with
 * `role`. Owners are never held to `ssoRequired`: their password is the way back in when the identity
 * provider is down, misconfigured or turned against them, and nobody below them can take it away.
 */
export function sessionMeetsSignInPolicy(settings: Pick<SignInSettings, "ssoRequired">, method: SignInMethod, role: MemberRole): boolean {
  return !settings.ssoRequired || method === "sso" || isTopRole(role);
}

import { z } from "zod";
import { ROLE_RANKING, type MemberRole } from "../../permissions";
import { signInSettings, signInSettingsPatchSchema, SSO_DEFAULT_ROLES, type SignInSettings, type SignInSettingsPatch } from "../sign-in-settings";
import { switchedOff, type OrgSetting } from "./setting";

const rank = (role: MemberRole): number => ROLE_RANKING.indexOf(role);

/**
 * `signIn`: the org's sign-in policy (ADR 0012). A change's domains are also claimed in `org_sso_domains` (one org
 * per domain) and checked against the requester's own address: the db's settings change applies it (applySignInChange)
 * in place of `merge`, which is the value the change leaves.
 */
export const signInSetting: OrgSetting<SignInSettings, SignInSettingsPatch> = {
  value: z
    .object({ ssoDomains: z.array(z.string()), ssoDefaultRole: z.enum(SSO_DEFAULT_ROLES), ssoRequired: z.boolean() })
    .describe("Single sign-on: email domains routed to this org, the role they join with, and whether console sessions must have signed in with SSO."),
  patch: signInSettingsPatchSchema,
  read: signInSettings,
  merge: (before, patch) => ({
    ssoDomains: patch.ssoDomains ?? before.ssoDomains,
    ssoDefaultRole: patch.ssoDefaultRole ?? before.ssoDefaultRole,
    ssoRequired: patch.ssoRequired ?? before.ssoRequired,
  }),
  rules: {
    ssoDomains: { weakens: (before, after) => after.some((domain) => !before.includes(domain)), weakening: "a domain added: its people join the org on their first sign-in" },
    ssoDefaultRole: { weakens: (before, after) => rank(after) < rank(before), weakening: "raised: people who join by single sign-on get a stronger role" },
    ssoRequired: switchedOff("turned off: console sessions signed in with a password are accepted again"),
  },
};

import { orgSettingsSchema, pendingSettingsChangeSchema, updateSettingsBodySchema } from "../agents";
import { ssoDomainClaimListSchema, ssoDomainClaimSchema, verifySsoDomainBodySchema } from "../sso-domains";
import type { RouteContract } from "./contract";

/** The org's settings, and the SSO domains it proves it owns. */
export const settingsRoutes = [
  {
    operationId: "getSettings",
    method: "GET",
    path: "/v1/admin/settings",
    summary: "The org's settings",
    tag: "Organization",
    auth: "admin",
    success: { status: 200, description: "The settings.", json: orgSettingsSchema },
  },
  {
    operationId: "updateSettings",
    method: "PATCH",
    path: "/v1/admin/settings",
    summary: "Change the org's settings",
    tag: "Organization",
    auth: "admin",
    description:
      "Merged onto the current settings and applied at once (200), unless the two-admin rule (`policies.requireSecondApproval`) is in force and the change weakens enforcement (the rule or an anomaly halt off, report-only on, the circuit breaker looser, delegation limits wider, an SSO domain added, the SSO default role raised, SSO no longer required): then nothing is applied and an approval is opened that another owner or admin must approve (202; the asking member cannot approve it, by any credential).",
    permission: "settings.write",
    body: updateSettingsBodySchema,
    success: { status: 200, description: "The settings after the change.", json: orgSettingsSchema },
    accepted: { status: 202, description: "Waiting for a second admin's approval.", json: pendingSettingsChangeSchema },
  },
  {
    operationId: "listSsoDomains",
    method: "GET",
    path: "/v1/admin/settings/sso-domains",
    summary: "The org's SSO domains and their proof",
    description:
      "Each domain of `signIn.ssoDomains` with its status and the DNS TXT record (`_gatehouse-challenge.<domain>`) that proves it. Only a verified domain routes people who sign in with SSO to this org.",
    tag: "Organization",
    auth: "admin",
    success: { status: 200, description: "The claimed domains.", json: ssoDomainClaimListSchema },
  },
  {
    operationId: "verifySsoDomain",
    method: "POST",
    path: "/v1/admin/settings/sso-domains/verify",
    summary: "Prove an SSO domain",
    description:
      "Looks up the domain's DNS TXT record `_gatehouse-challenge.<domain>` and, if it carries this org's value, routes the domain to the org. A domain not in `signIn.ssoDomains` is a 404; a missing or wrong record, or a domain another org proved first, is a 409 naming `domain`. Verifying a proved domain again answers it.",
    tag: "Organization",
    auth: "admin",
    permission: "settings.write",
    body: verifySsoDomainBodySchema,
    success: { status: 200, description: "The domain, verified.", json: ssoDomainClaimSchema },
  },
] as const satisfies readonly RouteContract[];

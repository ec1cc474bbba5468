import { updateSettingsBodySchema } from "@gatehouse/contracts";
import { changeOrgSettings } from "@gatehouse/db";
import { oidcConfig } from "@/env";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// PATCH /api/orgs/[orgSlug]/settings { circuitBreaker?: { failureThreshold?, windowSeconds?, cooldownSeconds? },
// signIn?: { ssoDomains?, ssoDefaultRole?, ssoRequired? }, anomaly?: { haltAgent? },
// loops?: { enabled?, maxRepeats?, windowSeconds?, haltAgent? }, policies?: { reportOnly?, requireSecondApproval?, failurePolicy? } }
// → 200 OrgSettings, merged onto the current ones; or, while the two-admin rule is in force and the change
// weakens enforcement, 202 { status: "pending_approval", approvalId, weakened } (applied when another owner or admin approves).
// Session (401), membership (another org is 404), settings.write (403), the body (400 naming the field),
// the sign-in rules (403/409 naming the field; SSO can be required only with the instance's OIDC provider configured).
export const PATCH = memberRoute({ what: "change settings", permission: "settings.write", body: updateSettingsBodySchema }, async ({ ctx, body, requestId }) => {
  const outcome = await changeOrgSettings({ ctx, input: body, deps: { ssoConfigured: oidcConfig() !== null } });
  return outcome.status === "applied" ? jsonResponse(outcome.settings, requestId) : jsonResponse(outcome, requestId, 202);
});

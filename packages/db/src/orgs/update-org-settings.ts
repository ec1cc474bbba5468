import { updateSettingsBodySchema } from "@gatehouse/contracts";
import { anomalySettingsSchema, breakerSettingsSchema, policySettingsSchema, delegationSettingsSchema, validationError, zodIssues } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { db, TX_OPTIONS } from "../infra/client";
import { publishAfterCommit } from "../infra/signals";
import { settingsOf, type OrgSettings } from "./get-org-settings";
import { forgetOrgSettings } from "./settings-snapshot";
import { applySignInChange, type SignInPolicyDeps } from "./sign-in-policy";

/** Changes org settings (merged onto the current ones); audited with before and after. The sign-in policy's rules: applySignInChange. */
export async function updateOrgSettings({ ctx, input, deps }: { ctx: Ctx; input: unknown; deps?: SignInPolicyDeps }): Promise<OrgSettings> {
  requirePermission(ctx, "settings.write");
  const parsed = updateSettingsBodySchema.safeParse(input);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const after = await db().$transaction(async (tx) => {
    // Locked: two changes at once cannot both merge onto the same "before" (nor leave org_sso_domains behind the setting).
    await tx.$queryRaw`SELECT id FROM orgs WHERE id = ${ctx.org.id} FOR UPDATE`;
    const org = await tx.org.findUniqueOrThrow({ where: { id: ctx.org.id }, select: { settings: true } });
    const before = settingsOf(org.settings);
    const after: OrgSettings = {
      ...before,
      circuitBreaker: breakerSettingsSchema.parse({ ...before.circuitBreaker, ...parsed.data.circuitBreaker }),
      approvalTimeoutSeconds: parsed.data.approvalTimeoutSeconds ?? before.approvalTimeoutSeconds,
      delegation: delegationSettingsSchema.parse({ ...before.delegation, ...parsed.data.delegation }),
      anomaly: anomalySettingsSchema.parse({ ...before.anomaly, ...parsed.data.anomaly }),
      policies: policySettingsSchema.parse({ ...before.policies, ...parsed.data.policies }),
      signIn: parsed.data.signIn ? await applySignInChange(tx, ctx, before.signIn, parsed.data.signIn, deps) : before.signIn,
    };
    await tx.org.update({ where: { id: ctx.org.id }, data: { settings: { ...(org.settings as object), ...after } } });
    await appendAuditEntry(tx, ctx.org.id, { type: "org.settings_changed", actor: actorRef(ctx.actor), subjectId: ctx.org.id, data: { before, after } });
    return after;
  }, TX_OPTIONS);
  forgetOrgSettings(ctx.org.id);
  await publishAfterCommit({ type: "settings.changed", orgId: ctx.org.id });
  return after;
}

import { updateSettingsBodySchema } from "@gatehouse/contracts";
import { breakerSettingsSchema, validationError, zodIssues } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { db, TX_OPTIONS } from "../infra/client";
import { publishAfterCommit } from "../infra/signals";
import { settingsOf, type OrgSettings } from "./get-org-settings";
import { forgetOrgSettings } from "./settings-snapshot";

/** Changes org settings (merged onto the current ones); audited with before and after. */
export async function updateOrgSettings({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<OrgSettings> {
  requirePermission(ctx, "settings.write");
  const parsed = updateSettingsBodySchema.safeParse(input);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const after = await db().$transaction(async (tx) => {
    const org = await tx.org.findUniqueOrThrow({ where: { id: ctx.org.id }, select: { settings: true } });
    const before = settingsOf(org.settings);
    const after: OrgSettings = {
      ...before,
      circuitBreaker: breakerSettingsSchema.parse({ ...before.circuitBreaker, ...parsed.data.circuitBreaker }),
      approvalTimeoutSeconds: parsed.data.approvalTimeoutSeconds ?? before.approvalTimeoutSeconds,
    };
    await tx.org.update({ where: { id: ctx.org.id }, data: { settings: { ...(org.settings as object), ...after } } });
    await appendAuditEntry(tx, ctx.org.id, { type: "org.settings_changed", actor: actorRef(ctx.actor), subjectId: ctx.org.id, data: { before, after } });
    return after;
  }, TX_OPTIONS);
  forgetOrgSettings(ctx.org.id);
  await publishAfterCommit({ type: "settings.changed", orgId: ctx.org.id });
  return after;
}

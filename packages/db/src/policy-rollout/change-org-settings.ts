import { updateSettingsBodySchema, type OrgSettings } from "@gatehouse/contracts";
import { approvalTimeoutSetting, forbidden, isDomainError, newId, validationError, zodIssues, type WeakeningChange } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import type { Prisma } from "../generated/prisma/client";
import { db } from "../infra/client";
import type { SignInPolicyDeps } from "../orgs/sign-in-policy";
import { SECOND_APPROVAL_REQUIRED, updateOrgSettings } from "../orgs/update-org-settings";
import { membershipOf } from "../policies/save-policy-draft";
import { openSystemApproval } from "./open-system-approval";

/** The action a settings change waiting for a second admin is, on the org's system agent. */
export const SETTINGS_ACTION_TYPE = "gatehouse.settings.change";

export type SettingsChangeOutcome = { status: "applied"; settings: OrgSettings } | { status: "pending_approval"; approvalId: string; weakened: WeakeningChange[] };

/**
 * Changes the org's settings (`PATCH /v1/admin/settings`, the console's Settings). Without the
 * two-admin rule, or for a change that weakens nothing (core's `weakeningChanges` table: turning the
 * rule on, report-only off, a tighter breaker…), it applies at once → `applied`. While the rule is in
 * force, a change that weakens any setting (the rule off, report-only on, the breaker looser, anomaly
 * halts off, delegation limits wider, single sign-on no longer required…) is checked as it would be
 * applied (a bad value, a sign-in rule → the same 400/403/409), recorded whole, and waits for another
 * owner or admin: an action `gatehouse.settings.change` of the org's system agent, bound to its
 * approval, with the asking member as requester → `pending_approval`. It is applied, merged onto the
 * settings as they are then, when that approval is approved.
 */
export async function changeOrgSettings({ ctx, input, deps }: { ctx: Ctx; input: unknown; deps?: SignInPolicyDeps }): Promise<SettingsChangeOutcome> {
  requirePermission(ctx, "settings.write");
  const parsed = updateSettingsBodySchema.safeParse(input);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  try {
    return { status: "applied", settings: await updateOrgSettings({ ctx, input: parsed.data, ...(deps ? { deps } : {}) }) };
  } catch (error) {
    const details = isDomainError(error) ? (error.details as { reason?: unknown; weakened?: WeakeningChange[] } | undefined) : undefined;
    if (details?.reason !== SECOND_APPROVAL_REQUIRED || !details.weakened) throw error;
    return requestChange(ctx, parsed.data, details.weakened);
  }
}

async function requestChange(ctx: Ctx, change: Record<string, unknown>, weakened: WeakeningChange[]): Promise<SettingsChangeOutcome> {
  const requester = membershipOf(ctx);
  if (!requester) throw forbidden("a change that weakens enforcement under the two-admin rule needs a member: sign in to the console or use an org admin key");
  const org = await db().org.findUniqueOrThrow({ where: { id: ctx.org.id }, select: { settings: true } });
  // A retried request (a lost answer) of the same change by the same member answers the approval it opened.
  const [open] = await db().$queryRaw<Array<{ approval_id: string }>>`
    SELECT r.approval_id FROM settings_change_requests r JOIN approvals a ON a.id = r.approval_id
    WHERE r.org_id = ${ctx.org.id} AND r.requested_by = ${requester} AND r.applied_at IS NULL AND a.status = 'pending'
      AND r.change = ${JSON.stringify(change)}::jsonb
    LIMIT 1`;
  if (open) return { status: "pending_approval", approvalId: open.approval_id, weakened };
  const requestId = newId("settingsChangeRequest");
  const approvalId = newId("approval");
  await db().settingsChangeRequest.create({
    data: {
      id: requestId,
      orgId: ctx.org.id,
      approvalId,
      change: change as Prisma.InputJsonObject,
      weakened: weakened as unknown as Prisma.InputJsonArray,
      requestedBy: requester,
    },
  });
  const metadata = { settingsChangeRequestId: requestId, requestedBy: requester, change, weakened };
  await openSystemApproval(ctx, { actionType: SETTINGS_ACTION_TYPE, metadata, requester, approvalId, timeoutSeconds: approvalTimeoutSetting(org.settings) });
  return { status: "pending_approval", approvalId, weakened };
}

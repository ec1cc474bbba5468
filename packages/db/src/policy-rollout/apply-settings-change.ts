import { conflict, type MemberRole } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import type { ApprovedApproval } from "../approvals/approval-hooks";
import { db } from "../infra/client";
import { updateOrgSettings } from "../orgs/update-org-settings";

/**
 * A settings change waiting for a second admin is applied when ITS approval is approved: the request
 * is found by the approval id it was bound to when it was made (an approval of any other action applies
 * nothing), the change is merged onto the settings as they are now with the approving member as actor
 * (an `org.settings_changed` entry naming the approval), the sign-in rules checked as for the member
 * who asked, and the request is marked applied in the same transaction, so it is applied once.
 */
export async function applySettingsChange(ctx: Ctx, approved: ApprovedApproval): Promise<void> {
  const request = await db().settingsChangeRequest.findFirst({
    where: { approvalId: approved.approvalId, orgId: ctx.org.id, appliedAt: null },
    select: { id: true, change: true, requestedBy: true },
  });
  if (!request) return;
  const membership = request.requestedBy
    ? await db().membership.findFirst({ where: { id: request.requestedBy, orgId: ctx.org.id }, select: { id: true, userId: true, role: true } })
    : null;
  // The member who asked is gone (their membership deleted): the change is not applied.
  if (!membership) return;
  const requester: Ctx = { ...ctx, actor: { type: "user", userId: membership.userId, membershipId: membership.id, role: membership.role as MemberRole } };
  await updateOrgSettings({
    ctx,
    input: request.change,
    approved: {
      approvalId: approved.approvalId,
      requester,
      within: async (tx) => {
        const marked = await tx.$executeRaw`
          UPDATE settings_change_requests SET applied_at = clock_timestamp()
          WHERE id = ${request.id} AND org_id = ${ctx.org.id} AND approval_id = ${approved.approvalId} AND applied_at IS NULL
            AND EXISTS (SELECT 1 FROM approvals a WHERE a.id = ${approved.approvalId} AND a.org_id = ${ctx.org.id} AND a.status = 'approved')`;
        // Applied meanwhile by another run (or not approved after all): roll this one back.
        if (marked === 0) throw conflict("this settings change was already applied, or its approval is not approved");
      },
    },
  });
}

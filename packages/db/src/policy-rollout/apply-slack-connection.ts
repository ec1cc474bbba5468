import { conflict } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import type { ApprovedApproval } from "../approvals/approval-hooks";
import { openOrgSecret } from "../infra/org-vault";
import { db } from "../infra/client";
import { SLACK_PURPOSE_SIGNING, SLACK_PURPOSE_TOKEN, writeSlackConnection } from "../integrations/slack-connection";
import { tellOwnersOfSlackChange } from "./tell-owners-of-slack-change";

/**
 * A Slack app waiting for a second admin is connected when ITS approval is approved: the request is
 * found by the approval id it was bound to when it was made (an approval of any other action connects
 * nothing), its secrets opened from the request row, stored as the org's app with the approving member
 * as actor (an `integration.changed` entry naming the approval), `pending` until Slack proves it, and
 * the request is marked applied in the same transaction, so it is applied once; then every owner is told
 * by email who asked and who approved. The member who asked is gone (removed, or left, since they
 * asked): nothing is connected.
 */
export async function applySlackConnection(ctx: Ctx, approved: ApprovedApproval): Promise<void> {
  const request = await db().slackConnectionRequest.findFirst({
    where: { approvalId: approved.approvalId, orgId: ctx.org.id, appliedAt: null },
    omit: { botTokenEnc: false, signingSecretEnc: false },
  });
  if (!request?.requestedBy) return;
  const requester = await db().membership.findFirst({ where: { id: request.requestedBy, orgId: ctx.org.id, removedAt: null }, select: { id: true } });
  if (!requester) return;
  const [botToken, signingSecret] = await Promise.all([
    openOrgSecret(SLACK_PURPOSE_TOKEN, request.id, ctx.org.id, request.botTokenEnc),
    openOrgSecret(SLACK_PURPOSE_SIGNING, request.id, ctx.org.id, request.signingSecretEnc),
  ]);
  const changed = await writeSlackConnection(
    ctx,
    { botToken, signingSecret, teamId: request.teamId, teamName: request.teamName, botUserId: request.botUserId },
    {
      approvalId: approved.approvalId,
      within: async (tx) => {
        const marked = await tx.$executeRaw`
          UPDATE slack_connection_requests SET applied_at = clock_timestamp()
          WHERE id = ${request.id} AND org_id = ${ctx.org.id} AND approval_id = ${approved.approvalId} AND applied_at IS NULL
            AND EXISTS (SELECT 1 FROM approvals a WHERE a.id = ${approved.approvalId} AND a.org_id = ${ctx.org.id} AND a.status = 'approved')`;
        // Applied meanwhile by another run (or not approved after all): roll this one back.
        if (marked === 0) throw conflict("this Slack connection was already applied, or its approval is not approved");
      },
    },
  );
  tellOwnersOfSlackChange(ctx, { ...changed, teamId: request.teamId, teamName: request.teamName, approved: { approvalId: approved.approvalId, requestedBy: request.requestedBy } });
}

import { connectSlackBodySchema } from "@gatehouse/contracts";
import { approvalTimeoutSetting, forbidden, newId, policySettings, validationError, zodIssues } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { sealOrgSecret } from "../infra/org-vault";
import { db } from "../infra/client";
import {
  getSlackConnection,
  SLACK_CONNECTION_ACTION_TYPE,
  SLACK_PURPOSE_SIGNING,
  SLACK_PURPOSE_TOKEN,
  slackIdentity,
  writeSlackConnection,
  type SlackApp,
  type SlackConnectionView,
} from "../integrations/slack-connection";
import { membershipOf } from "../policies/save-policy-draft";
import { openSystemApproval } from "./open-system-approval";
import { tellOwnersOfSlackChange } from "./tell-owners-of-slack-change";

export type SlackConnectOutcome = { status: "applied"; connection: SlackConnectionView } | { status: "pending_approval"; approvalId: string };

/**
 * Connects (or replaces) the org's Slack app (`PUT /v1/admin/integrations/slack`, the console's
 * Integrations): Slack must accept the bot token (`auth.test`, which names its workspace), else a 400
 * naming `botToken`. Without the two-admin rule it is stored at once → `applied`, `pending` until Slack
 * proves the signing secret its own, and every owner is told by email (tell-owners-of-slack-change.ts;
 * so too when a change waiting for a second admin is applied). While the rule (`policies.requireSecondApproval`) is in force, the
 * app is recorded (its secrets sealed to the request row) and waits for another owner or admin: an
 * action `gatehouse.integrations.slack` of the org's system agent, bound to its approval, with the
 * asking member as requester (who therefore cannot approve it) → `pending_approval`. The org's current
 * app, if any, stays as it is until then. Applied (and still to be proven) when that approval is approved.
 */
export async function connectSlack({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<SlackConnectOutcome> {
  requirePermission(ctx, "integrations.manage");
  const parsed = connectSlackBodySchema.safeParse(input);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const app: SlackApp = { ...parsed.data, ...(await slackIdentity(parsed.data.botToken)) };
  const org = await db().org.findUniqueOrThrow({ where: { id: ctx.org.id }, select: { settings: true } });
  if (ctx.actor.type === "system" || !policySettings(org.settings).requireSecondApproval) {
    const changed = await writeSlackConnection(ctx, app);
    tellOwnersOfSlackChange(ctx, { ...changed, teamId: app.teamId, teamName: app.teamName });
    return { status: "applied", connection: await getSlackConnection({ ctx }) };
  }
  const requester = membershipOf(ctx);
  if (!requester) throw forbidden("connecting Slack under the two-admin rule needs a member: sign in to the console or use an org admin key");
  const requestId = newId("slackConnectionRequest");
  // Bound to its approval before the approval exists: only that approval can apply it.
  const approvalId = newId("approval");
  const [botTokenEnc, signingSecretEnc] = await Promise.all([
    sealOrgSecret(SLACK_PURPOSE_TOKEN, requestId, ctx.org.id, app.botToken),
    sealOrgSecret(SLACK_PURPOSE_SIGNING, requestId, ctx.org.id, app.signingSecret),
  ]);
  const current = await db().orgSlackConnection.findUnique({ where: { orgId: ctx.org.id }, select: { teamId: true } });
  await db().slackConnectionRequest.create({
    data: {
      id: requestId,
      orgId: ctx.org.id,
      approvalId,
      botTokenEnc,
      signingSecretEnc,
      teamId: app.teamId,
      teamName: app.teamName,
      botUserId: app.botUserId,
      requestedBy: requester,
    },
  });
  // What the approvers read: the workspace and whether it replaces the org's app; never a secret.
  const metadata = {
    slackConnectionRequestId: requestId,
    requestedBy: requester,
    change: current ? "replace" : "connect",
    teamId: app.teamId,
    ...(app.teamName ? { teamName: app.teamName } : {}),
    ...(current?.teamId ? { replacesTeamId: current.teamId } : {}),
  };
  await openSystemApproval(ctx, { actionType: SLACK_CONNECTION_ACTION_TYPE, metadata, requester, approvalId, timeoutSeconds: approvalTimeoutSetting(org.settings) });
  return { status: "pending_approval", approvalId };
}

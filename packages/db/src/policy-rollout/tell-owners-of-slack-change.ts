import type { Ctx } from "../actors/context";
import { db } from "../infra/client";
import { consoleOrigin } from "../infra/env";
import type { SlackConnectionChange } from "../integrations/slack-connection";
import { quoteName } from "../invitations/invitation-email";
import { sendMail } from "../mail/send-mail";

/** The subject of every Slack notice: fixed, nothing in it comes from the member or from Slack. */
export const SLACK_CHANGE_NOTICE_SUBJECT = "The Slack app of your organization on Gatehouse was connected or changed";

/** What was stored, and how: alone (the two-admin rule off) or approved by a second member. */
export interface SlackChangeNotice extends SlackConnectionChange {
  teamId: string;
  teamName: string | null;
  /** The member who asked, when a second member approved it (else the actor of `ctx` did it alone). */
  approved?: { approvalId: string; requestedBy: string };
}

/**
 * Tells every owner of the org by email (the one who did it too: a session or key used without them is
 * how they learn) that the org's Slack app was connected, replaced or given a new token: whoever holds its
 * signing secret can sign a click as Slack would. Who did it, whether a second member approved it, the
 * workspace, and a link to the `integration.changed` entry (from the configured console origin). Sent
 * after the change committed, without holding up the answer; a failed send is logged (kind only) and
 * undoes nothing: the entry in the log is the record, the mail draws the owners' attention to it. The
 * same shape as the erasure notice (tell-owners-of-erasure.ts).
 */
export function tellOwnersOfSlackChange(ctx: Ctx, notice: SlackChangeNotice): void {
  void send(ctx, notice).catch((error: unknown) => {
    console.warn(`[mail] a Slack notice was not sent: ${error instanceof Error ? error.name : "unknown error"}`);
  });
}

async function emailOfMembership(orgId: string, membershipId: string): Promise<string> {
  const row = await db().membership.findFirst({ where: { id: membershipId, orgId }, select: { user: { select: { email: true } } } });
  return row?.user.email ?? "a former member";
}

async function send(ctx: Ctx, notice: SlackChangeNotice): Promise<void> {
  const owners = await db().membership.findMany({ where: { orgId: ctx.org.id, role: "owner", removedAt: null }, select: { user: { select: { email: true } } } });
  if (owners.length === 0) return;
  const actor = ctx.actor;
  const actorName =
    actor.type === "user" || actor.type === "adminKey"
      ? ((await db().user.findUnique({ where: { id: actor.userId }, select: { email: true } }))?.email ?? "a member") + (actor.type === "adminKey" ? " (with an admin key)" : "")
      : `Gatehouse (${actor.type})`;
  const who = notice.approved ? await emailOfMembership(ctx.org.id, notice.approved.requestedBy) : actorName;
  const workspace = `${notice.teamName ? `${quoteName(notice.teamName)} ` : ""}(${notice.teamId})`;
  const what =
    notice.change === "connected"
      ? `connected a Slack app of the workspace ${workspace} to`
      : notice.change === "token"
        ? `gave the Slack app of the workspace ${workspace} a new bot token in`
        : `replaced the Slack app (another signing secret or workspace; now the workspace ${workspace}${notice.previousTeamId && notice.previousTeamId !== notice.teamId ? `, before ${notice.previousTeamId}` : ""}) of`;
  const link = new URL(`/o/${encodeURIComponent(ctx.org.slug)}/audit`, consoleOrigin());
  link.searchParams.set("type", "integration.changed");
  link.searchParams.set("entry", notice.entryId);
  const text = [
    `${who} ${what} the organization ${quoteName(ctx.org.name)} (${ctx.org.slug}).`,
    notice.approved
      ? `${actorName} approved it as the second person the two-admin rule asks for (approval ${notice.approved.approvalId}).`
      : "They did it alone: the two-admin rule is off, so no second owner or admin approved it.",
    "",
    "Whoever holds the app's signing secret can sign a click as Slack would. A Slack click counts only on a request any one eligible member may approve alone; every other vote is confirmed in the console.",
    `The change is recorded in the log as entry #${notice.entrySeq}:`,
    link.toString(),
    "",
    "You are told because you are an owner of this organization. If you did not expect this change, disconnect the app on the Integrations page and ask them about it.",
    ...(notice.approved
      ? []
      : ["To have every change of the Slack app wait for a second owner or admin's approval, turn on the two-admin rule (policies.requireSecondApproval) in Settings."]),
  ].join("\n");
  const results = await Promise.allSettled(owners.map((owner) => sendMail({ to: owner.user.email, subject: SLACK_CHANGE_NOTICE_SUBJECT, text, link: link.toString() })));
  const failed = results.filter((r) => r.status === "rejected").length;
  if (failed > 0) console.warn(`[mail] ${failed} of ${results.length} Slack notices were not sent`);
}

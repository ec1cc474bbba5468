import { rolesWith, type GuardedChange } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { db } from "../infra/client";
import { consoleOrigin } from "../infra/env";
import { sendMail } from "../mail/send-mail";

/** The subject of every retention notice: fixed, nothing in it comes from the member who changed it. */
export const RETENTION_NOTICE_SUBJECT = "Audit log retention was shortened by one owner alone on Gatehouse";

/** What the notice says: the retention fields set or shortened, and the `org.settings_changed` entry that records it. */
export interface RetentionNotice {
  changes: readonly GuardedChange[];
  entryId: string;
  entrySeq: number;
}

/**
 * Tells every other member who holds `audit.retention` (the owners), by email, that one person alone set or shortened a
 * retention (the two-admin rule was off, so nobody approved it), as an erasure's notice does: who, which fields from
 * what to what, and a link to the `org.settings_changed` entry in the console (from the configured console origin).
 * Sent after the change committed, without holding up the answer; a failed send is logged (kind only) and undoes
 * nothing: the entry in the log is the record, the mail only draws attention to it. The org is named by its slug, which
 * only letters, digits and hyphens make up.
 */
export function tellOwnersOfRetention(ctx: Ctx, notice: RetentionNotice): void {
  void send(ctx, notice).catch((error: unknown) => {
    console.warn(`[mail] a retention notice was not sent: ${error instanceof Error ? error.name : "unknown error"}`);
  });
}

async function send(ctx: Ctx, notice: RetentionNotice): Promise<void> {
  const actor = ctx.actor;
  const self = actor.type === "user" || actor.type === "adminKey" ? actor.membershipId : null;
  const owners = await db().membership.findMany({
    where: { orgId: ctx.org.id, role: { in: [...rolesWith("audit.retention")] }, removedAt: null, ...(self ? { id: { not: self } } : {}) },
    select: { user: { select: { email: true } } },
  });
  if (owners.length === 0) return;
  const who =
    actor.type === "user" || actor.type === "adminKey"
      ? ((await db().user.findUnique({ where: { id: actor.userId }, select: { email: true } }))?.email ?? "a member") + (actor.type === "adminKey" ? " (with an admin key)" : "")
      : `Gatehouse (${actor.type})`;
  const link = new URL(`/o/${encodeURIComponent(ctx.org.slug)}/audit`, consoleOrigin());
  link.searchParams.set("type", "org.settings_changed");
  link.searchParams.set("entry", notice.entryId);
  const days = (n: unknown) => (n === 0 ? "kept" : `${String(n)} ${n === 1 ? "day" : "days"}`);
  const text = [
    `${who} set or shortened the retention of the audit log of the organization ${ctx.org.slug}:`,
    ...notice.changes.map((change) => `- ${change.path}: ${days(change.before)} → ${days(change.after)} (${change.weakening})`),
    "",
    "The worker erases the values past a retention (and drops whole months past retention.entries) as an erasure does: this removes evidence.",
    "They did it alone: the two-admin rule is off, so no second owner or admin approved it.",
    `The change is recorded in the log as entry #${notice.entrySeq}:`,
    link.toString(),
    "",
    "You are told because you are an owner of this organization. If you did not expect this change, ask them about it, and lengthen or remove the retention in Settings → Retention before the worker's next sweep (within the hour).",
    "To have every such change wait for a second owner or admin's approval, turn on the two-admin rule (policies.requireSecondApproval) in Settings.",
  ].join("\n");
  const results = await Promise.allSettled(owners.map((owner) => sendMail({ to: owner.user.email, subject: RETENTION_NOTICE_SUBJECT, text, link: link.toString() })));
  const failed = results.filter((r) => r.status === "rejected").length;
  if (failed > 0) console.warn(`[mail] ${failed} of ${results.length} retention notices were not sent`);
}

import type { Ctx } from "../actors/context";
import { db } from "../infra/client";
import { consoleOrigin } from "../infra/env";
import { quoteName } from "../invitations/invitation-email";
import { sendMail } from "../mail/send-mail";

/** The subject of every erasure notice: fixed, nothing in it comes from the member who erased. */
export const ERASURE_NOTICE_SUBJECT = "Audit log data was erased by one owner alone on Gatehouse";

/**
 * Tells every other owner of the org, by email, that one person alone erased data from the audit log
 * (the two-admin rule was off, so nobody approved it): who, how much, their reason, and a link to the
 * `audit.erased` entry in the console (from the configured console origin). Sent after the erasure
 * committed, without holding up the answer; a failed send is logged (kind only) and undoes nothing:
 * the entry in the log is the record, the mail only draws attention to it.
 */
export function tellOwnersOfErasure(ctx: Ctx, erased: { erasureEntryId: string; erasureSeq: number | null; entries: number; fields: number; reason: string }): void {
  void send(ctx, erased).catch((error: unknown) => {
    console.warn(`[mail] an erasure notice was not sent: ${error instanceof Error ? error.name : "unknown error"}`);
  });
}

async function send(ctx: Ctx, erased: { erasureEntryId: string; erasureSeq: number | null; entries: number; fields: number; reason: string }): Promise<void> {
  const actor = ctx.actor;
  const self = actor.type === "user" || actor.type === "adminKey" ? actor.membershipId : null;
  const owners = await db().membership.findMany({
    where: { orgId: ctx.org.id, role: "owner", removedAt: null, ...(self ? { id: { not: self } } : {}) },
    select: { user: { select: { email: true } } },
  });
  if (owners.length === 0) return;
  const who =
    actor.type === "user" || actor.type === "adminKey"
      ? ((await db().user.findUnique({ where: { id: actor.userId }, select: { email: true } }))?.email ?? "a member") + (actor.type === "adminKey" ? " (with an admin key)" : "")
      : `Gatehouse (${actor.type})`;
  const link = new URL(`/o/${encodeURIComponent(ctx.org.slug)}/audit`, consoleOrigin());
  link.searchParams.set("type", "audit.erased");
  link.searchParams.set("entry", erased.erasureEntryId);
  const count = (n: number, one: string, many: string) => `${n.toLocaleString("en")} ${n === 1 ? one : many}`;
  const text = [
    `${who} erased ${count(erased.fields, "field", "fields")} in ${count(erased.entries, "entry", "entries")} of the audit log of the organization ${quoteName(ctx.org.name)} (${ctx.org.slug}).`,
    "They did it alone: the two-admin rule is off, so no second owner or admin approved it.",
    "",
    `Their reason, as they wrote it (its start; the whole of it is in the entry): ${quoteName(erased.reason)}`,
    `The erasure is recorded in the log${erased.erasureSeq === null ? "" : ` as entry #${erased.erasureSeq}`}:`,
    link.toString(),
    "",
    "You are told because you are an owner of this organization. If you did not expect this erasure, ask them about it.",
    "To have every erasure wait for a second owner or admin's approval, turn on the two-admin rule (policies.requireSecondApproval) in Settings.",
  ].join("\n");
  const results = await Promise.allSettled(owners.map((owner) => sendMail({ to: owner.user.email, subject: ERASURE_NOTICE_SUBJECT, text, link: link.toString() })));
  const failed = results.filter((r) => r.status === "rejected").length;
  if (failed > 0) console.warn(`[mail] ${failed} of ${results.length} erasure notices were not sent`);
}

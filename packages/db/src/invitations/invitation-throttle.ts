import { rateLimited } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { rateLimiter } from "../infra/rate-limiter";

/** How many invitations (each one a mail to an address the inviter chose) an org and one sender may send per window. */
export interface InvitationLimits {
  perOrg: number;
  perSender: number;
  windowSeconds: number;
}

export const INVITATION_LIMITS: Readonly<InvitationLimits> = Object.freeze({ perOrg: 100, perSender: 20, windowSeconds: 60 * 60 });

/**
 * Counts one invitation against the org and its sender (the member, whether in the console or through
 * an admin key; the system actor is not limited), or throws RATE_LIMITED (429, Retry-After the window)
 * naming the limit that was reached. A refused attempt is not counted, so one sender past their own
 * limit does not use up the org's. (Peek, then consume: two invitations racing at the limit may both
 * pass, one over.)
 */
export async function admitInvitation(ctx: Ctx, limits: InvitationLimits = INVITATION_LIMITS, now = Date.now()): Promise<void> {
  const { actor } = ctx;
  if (actor.type !== "user" && actor.type !== "adminKey") return;
  const { perOrg, perSender, windowSeconds } = limits;
  const keys = [
    { key: `${ctx.org.id}:invitations:org`, windowSeconds },
    { key: `${ctx.org.id}:invitations:sender:${actor.membershipId}`, windowSeconds },
  ];
  const [orgCount = 0, senderCount = 0] = await rateLimiter().count(keys, "peek", { now });
  const hours = windowSeconds % 3600 === 0 ? `${windowSeconds / 3600} h` : `${windowSeconds} s`;
  if (senderCount > perSender) {
    throw rateLimited(`invitations are limited to ${perSender} per sender per ${hours}: try again later`, windowSeconds, { limit: "perSender", max: perSender, windowSeconds });
  }
  if (orgCount > perOrg) {
    throw rateLimited(`invitations are limited to ${perOrg} per organization per ${hours}: try again later`, windowSeconds, { limit: "perOrg", max: perOrg, windowSeconds });
  }
  await rateLimiter().count(keys, "consume", { now });
}

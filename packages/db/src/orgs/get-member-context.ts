import { notFound } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { db } from "../infra/client";
import { touchMemberActivity } from "../actors/member-activity";

/** The acting context of a signed-in user in one org. Not a member (or no such org) → NOT_FOUND. */
export async function getMemberContext({ userId, orgSlug, requestId }: { userId: string; orgSlug: string; requestId: string }): Promise<Ctx> {
  const membership = await db().membership.findFirst({ where: { userId, removedAt: null, org: { slug: orgSlug } }, include: { org: true } });
  if (!membership) throw notFound("organization");
  touchMemberActivity(membership.id);
  return {
    org: { id: membership.org.id, slug: membership.org.slug, name: membership.org.name },
    actor: { type: "user", userId, membershipId: membership.id, role: membership.role },
    requestId,
  };
}

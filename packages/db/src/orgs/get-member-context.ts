import { isTopRole, notFound } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { db } from "../infra/client";
import { touchMemberActivity } from "../actors/member-activity";

/** The acting context of a signed-in user in one org. Not a member (or no such org, or a closed org and not an owner) → NOT_FOUND. */
export async function getMemberContext({ userId, orgSlug, requestId }: { userId: string; orgSlug: string; requestId: string }): Promise<Ctx> {
  const membership = await db().membership.findFirst({ where: { userId, removedAt: null, org: { slug: orgSlug } }, include: { org: true } });
  if (!membership) throw notFound("organization");
  // A closed org is gone for everyone but its owners, who keep read-only access to its audit log.
  if (membership.org.closedAt && !isTopRole(membership.role)) throw notFound("organization");
  touchMemberActivity(membership.id);
  return {
    org: { id: membership.org.id, slug: membership.org.slug, name: membership.org.name },
    actor: { type: "user", userId, membershipId: membership.id, role: membership.role },
    requestId,
  };
}

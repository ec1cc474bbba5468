import { notFound, type MemberRole } from "@gatehouse/core";
import { db } from "../client";
import type { Ctx } from "../context";

export interface MemberOrg {
  orgId: string;
  slug: string;
  name: string;
  role: MemberRole;
}

/** The orgs a signed-in user belongs to, by name. */
export async function listMemberOrgs({ userId }: { userId: string }): Promise<MemberOrg[]> {
  const rows = await db().membership.findMany({ where: { userId }, include: { org: true }, orderBy: { org: { name: "asc" } } });
  return rows.map((row) => ({ orgId: row.orgId, slug: row.org.slug, name: row.org.name, role: row.role }));
}

/** The acting context of a signed-in user in one org. Not a member (or no such org) → NOT_FOUND. */
export async function getMemberContext({ userId, orgSlug, requestId }: { userId: string; orgSlug: string; requestId: string }): Promise<Ctx> {
  const membership = await db().membership.findFirst({ where: { userId, org: { slug: orgSlug } }, include: { org: true } });
  if (!membership) throw notFound("organization");
  return {
    org: { id: membership.org.id, slug: membership.org.slug, name: membership.org.name },
    actor: { type: "user", userId, membershipId: membership.id, role: membership.role },
    requestId,
  };
}

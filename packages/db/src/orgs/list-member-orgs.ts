import type { MemberRole } from "@gatehouse/core";
import { db } from "../infra/client";

export interface MemberOrg {
  orgId: string;
  slug: string;
  name: string;
  role: MemberRole;
}

/** The orgs a signed-in user belongs to, by name. */
export async function listMemberOrgs({ userId }: { userId: string }): Promise<MemberOrg[]> {
  const rows = await db().membership.findMany({ where: { userId, removedAt: null }, include: { org: true }, orderBy: { org: { name: "asc" } } });
  return rows.map((row) => ({ orgId: row.orgId, slug: row.org.slug, name: row.org.name, role: row.role }));
}

import { isTopRole, type MemberRole } from "@gatehouse/core";
import { db } from "../infra/client";

export interface MemberOrg {
  orgId: string;
  slug: string;
  name: string;
  role: MemberRole;
  /** When the org was closed (ISO 8601); only its owners still see it. */
  closedAt: string | null;
}

/** The orgs a signed-in user belongs to, by name; a closed org only for its owners (marked closed). */
export async function listMemberOrgs({ userId }: { userId: string }): Promise<MemberOrg[]> {
  const rows = await db().membership.findMany({ where: { userId, removedAt: null }, include: { org: true }, orderBy: { org: { name: "asc" } } });
  return rows
    .filter((row) => !row.org.closedAt || isTopRole(row.role))
    .map((row) => ({ orgId: row.orgId, slug: row.org.slug, name: row.org.name, role: row.role, closedAt: row.org.closedAt?.toISOString() ?? null }));
}

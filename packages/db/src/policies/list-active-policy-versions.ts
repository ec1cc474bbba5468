import { db } from "../infra/client";

/** The org's active policies with their current version documents, for reading and evaluation. */
export async function listActivePolicyVersions(orgId: string) {
  const rows = await db().policy.findMany({
    where: { orgId, status: "active", currentVersionId: { not: null } },
    include: { currentVersion: true },
    orderBy: { name: "asc" },
  });
  return rows.flatMap((row) => (row.currentVersion ? [{ name: row.name, ...row.currentVersion }] : []));
}

import type { OrgView } from "@gatehouse/contracts";
import type { Ctx } from "../actors/context";
import { db } from "../infra/client";

/** The caller's org: name, slug and how many members it has. Every member may read it. */
export async function getOrg({ ctx }: { ctx: Ctx }): Promise<OrgView> {
  const org = await db().org.findUniqueOrThrow({ where: { id: ctx.org.id }, select: { id: true, slug: true, name: true, createdAt: true } });
  const memberCount = await db().membership.count({ where: { orgId: ctx.org.id, removedAt: null } });
  return { id: org.id, slug: org.slug, name: org.name, createdAt: org.createdAt.toISOString(), memberCount };
}

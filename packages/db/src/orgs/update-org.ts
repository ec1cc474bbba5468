import { updateOrgBodySchema, type OrgView } from "@gatehouse/contracts";
import { conflict, validationError, zodIssues } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { appendAuditEntries } from "../audit/append-audit-entries";
import { db, TX_OPTIONS } from "../infra/client";
import { isUniqueViolation } from "../infra/prisma-errors";

/**
 * Renames the org and/or changes its slug (`org.renamed`, `org.slug_changed`, each with before and
 * after). A slug another org has is a 409 naming `slug`. The console's URLs carry the slug, so links
 * with the old one stop working; API keys are unaffected (keys name the org by id). Processes that
 * cached a key's org see the new name within the key cache's TTL.
 */
export async function updateOrg({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<OrgView> {
  requirePermission(ctx, "org.write");
  const parsed = updateOrgBodySchema.safeParse(input);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const { name, slug } = parsed.data;
  try {
    return await db().$transaction(async (tx) => {
      const before = await tx.org.findUniqueOrThrow({ where: { id: ctx.org.id }, select: { slug: true, name: true } });
      if (slug !== undefined && slug !== before.slug && (await tx.org.findUnique({ where: { slug }, select: { id: true } }))) throw slugTaken(slug);
      const after = await tx.org.update({ where: { id: ctx.org.id }, data: { ...(name !== undefined ? { name } : {}), ...(slug !== undefined ? { slug } : {}) } });
      const entries = [
        ...(after.name !== before.name ? [{ type: "org.renamed" as const, data: { from: before.name, to: after.name } }] : []),
        ...(after.slug !== before.slug ? [{ type: "org.slug_changed" as const, data: { from: before.slug, to: after.slug } }] : []),
      ];
      await appendAuditEntries(
        tx,
        ctx.org.id,
        entries.map((e) => ({ ...e, actor: actorRef(ctx.actor), subjectId: ctx.org.id })),
      );
      const memberCount = await tx.membership.count({ where: { orgId: ctx.org.id, removedAt: null } });
      return { id: after.id, slug: after.slug, name: after.name, createdAt: after.createdAt.toISOString(), memberCount };
    }, TX_OPTIONS);
  } catch (error) {
    // Two renames to the same slug at once: the unique index decides.
    if (slug !== undefined && isUniqueViolation(error)) throw slugTaken(slug);
    throw error;
  }
}

function slugTaken(slug: string) {
  return conflict(`slug: "${slug}" is taken by another organization`, { issues: [{ path: "slug", message: "is taken by another organization" }] });
}

import type { MemberView } from "@gatehouse/contracts";
import { ROLE_RANKING } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { readDb } from "../infra/replica";
import { MEMBER_INCLUDE, memberView } from "./member-view";

/** The org's current members (removed ones are not listed), highest role first, then by email. */
export async function listMembers({ ctx }: { ctx: Ctx }): Promise<MemberView[]> {
  requirePermission(ctx, "members.read");
  const rows = await readDb().membership.findMany({ where: { orgId: ctx.org.id, removedAt: null }, include: MEMBER_INCLUDE });
  return rows.sort((a, b) => ROLE_RANKING.indexOf(a.role) - ROLE_RANKING.indexOf(b.role) || a.user.email.localeCompare(b.user.email)).map(memberView);
}

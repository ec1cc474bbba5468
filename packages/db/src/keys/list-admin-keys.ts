import { canActOnRole, type MemberRole } from "@gatehouse/core";
import type { ApiKeyView } from "@gatehouse/contracts";
import type { Ctx } from "../actors/context";
import { readDb } from "../infra/replica";
import { keyView } from "./key-view";
import { requireKeyAccess } from "./require-rank";

/** A member's admin key, without its secret, with whose it is. */
export interface AdminKeyView extends ApiKeyView {
  member: { id: string; name: string; email: string; role: MemberRole };
  /** The key of the member asking. */
  mine: boolean;
}

/**
 * The admin keys the caller may act on: their own, and those of the org's members whose role theirs
 * ranks at least as high as (`canActOnRole`, the rule revokeApiKey applies): an owner sees every
 * member's. A member without `keys.manage` but with `keys.own` (an approver, an auditor) sees their
 * own only. Newest first.
 */
export async function listAdminKeys({ ctx }: { ctx: Ctx }): Promise<AdminKeyView[]> {
  const { manages } = requireKeyAccess(ctx);
  const { actor } = ctx;
  const self = actor.type === "user" || actor.type === "adminKey" ? actor : null;
  const rows = await readDb().apiKey.findMany({
    where: { orgId: ctx.org.id, kind: "admin", membership: { removedAt: null }, ...(manages ? {} : { membershipId: self?.membershipId ?? "" }) },
    include: { membership: { select: { id: true, role: true, user: { select: { name: true, email: true } } } } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
  return rows.flatMap((k) => {
    const m = k.membership;
    if (!m) return [];
    const mine = self?.membershipId === m.id;
    if (self && !mine && !canActOnRole(self.role, m.role)) return [];
    return [
      {
        ...keyView(k),
        member: { id: m.id, name: m.user.name, email: m.user.email, role: m.role },
        mine,
      },
    ];
  });
}

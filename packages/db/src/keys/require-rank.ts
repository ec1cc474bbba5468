import { canActOnRole, forbidden, type MemberRole } from "@gatehouse/core";
import type { Ctx } from "../actors/context";

/**
 * A member acts on another member's credentials (their admin keys) only if their role ranks at least
 * as high as that member's (the catalogue's `canActOnRole`): an admin cannot touch an owner's keys.
 * The system actor always may; agents never act on members' credentials.
 */
export function requireRankOver(ctx: Ctx, target: MemberRole, what: string): void {
  const { actor } = ctx;
  if (actor.type === "system") return;
  if ((actor.type === "user" || actor.type === "adminKey") && canActOnRole(actor.role, target)) return;
  const who = actor.type === "agent" ? "an agent" : `a member with the role ${actor.role}`;
  throw forbidden(`${who} cannot ${what} of a member with the role ${target}: only a member whose role ranks at least as high may`);
}

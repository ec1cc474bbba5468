import { canActOnRole, forbidden, hasPermission, type MemberRole } from "@gatehouse/core";
import { requirePermission } from "../actors/require-permission";
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

/** Whether `membershipId` is the acting member's own (their own keys need only `keys.own`). */
export function isOwnMembership(ctx: Ctx, membershipId: string | null): boolean {
  const { actor } = ctx;
  return (actor.type === "user" || actor.type === "adminKey") && membershipId !== null && actor.membershipId === membershipId;
}

/**
 * Who may act on which admin keys: `keys.manage` acts on the org's keys (by rank); without it,
 * `keys.own` on one's own only. Answers whether the caller manages keys (else: only their own).
 */
export function requireKeyAccess(ctx: Ctx): { manages: boolean } {
  const { actor } = ctx;
  if (actor.type === "system") return { manages: true };
  if ((actor.type === "user" || actor.type === "adminKey") && hasPermission(actor.role, "keys.manage")) return { manages: true };
  requirePermission(ctx, "keys.own");
  return { manages: false };
}

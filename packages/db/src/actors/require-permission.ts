import { forbidden, hasPermission, rolesWith, type Permission } from "@gatehouse/core";
import type { Actor, Ctx } from "./context";

/**
 * Members (signed in or through an admin key) need `permission`, as the core permission catalogue
 * grants it to their role; the system actor always passes; agents never hold a member permission.
 */
export function requirePermission(ctx: Ctx, permission: Permission): void {
  const { actor } = ctx;
  if (actor.type === "system") return;
  if ((actor.type === "user" || actor.type === "adminKey") && hasPermission(actor.role, permission)) return;
  throw forbidden(`this needs the permission ${permission}, which the roles ${rolesWith(permission).join(", ")} hold`);
}

/**
 * For reads an agent's key may make about itself (its approvals, its events): agents pass (the caller
 * limits them to their own agent), members need `permission`. Not for the console, where every actor
 * is a member: `requirePermission` is its check.
 */
export function requirePermissionUnlessAgent(ctx: Ctx, permission: Permission): void {
  if (ctx.actor.type !== "agent") requirePermission(ctx, permission);
}

export function requireAgent(ctx: Ctx): Extract<Actor, { type: "agent" }> {
  if (ctx.actor.type !== "agent") throw forbidden("this call needs an agent key");
  return ctx.actor;
}

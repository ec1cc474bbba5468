import { forbidden, type ActorRef, type MemberRole } from "@gatehouse/core";
import type { Actor, Ctx } from "../context";

export const MANAGE_ROLES: readonly MemberRole[] = ["owner", "admin"];

/** Members (signed in or through an admin key) need one of `roles`; the system actor always passes. */
export function requireRole(ctx: Ctx, roles: readonly MemberRole[], what: string): void {
  const { actor } = ctx;
  if (actor.type === "system") return;
  if ((actor.type === "user" || actor.type === "adminKey") && roles.includes(actor.role)) return;
  throw forbidden(`${what} requires one of the roles: ${roles.join(", ")}`);
}

export function requireAgent(ctx: Ctx): Extract<Actor, { type: "agent" }> {
  if (ctx.actor.type !== "agent") throw forbidden("this call needs an agent key");
  return ctx.actor;
}

/** How an actor is written into the audit log. */
export function actorRef(actor: Actor): ActorRef {
  switch (actor.type) {
    case "agent":
      return { type: "agent", id: actor.agentId, delegationChain: actor.delegationChain };
    case "user":
      return { type: "member", id: actor.membershipId };
    case "adminKey":
      return { type: "adminKey", id: actor.keyId, memberId: actor.membershipId };
    case "system":
      return { type: "system", id: actor.name };
  }
}

export function actorLabel(actor: Actor): string {
  return actorRef(actor).id;
}

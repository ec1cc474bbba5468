import { forbidden } from "@gatehouse/core";
import type { Ctx } from "../actors/context";

/**
 * Reading the org's policy administration views (the list with its use, the monitor view): any member
 * (a session or an admin key, every role — as GET /v1/admin/policies) and the system; never an agent.
 */
export function requirePolicyReader(ctx: Ctx): void {
  if (ctx.actor.type === "agent") throw forbidden("this needs a member's session or admin key");
}

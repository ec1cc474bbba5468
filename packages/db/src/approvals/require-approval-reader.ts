import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";

/** Agents read their own approvals (the caller limits them to those); members need `approvals.read`. */
export function requireApprovalReader(ctx: Ctx): void {
  if (ctx.actor.type === "agent") return;
  requirePermission(ctx, "approvals.read");
}

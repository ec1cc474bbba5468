import { STARTER_POLICIES } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { applyPolicies, type PolicySetDiff } from "./apply-policies";

/**
 * The onboarding checklist's "apply a starter policy": adds core's STARTER_POLICIES (reads allowed,
 * deploys and merges need an approval; anything else stays denied) beside the org's own policies,
 * through applyPolicies (a version and an audit entry each). Applying them again changes nothing.
 */
export async function applyStarterPolicies({ ctx }: { ctx: Ctx }): Promise<PolicySetDiff> {
  requirePermission(ctx, "policies.write");
  return applyPolicies({ ctx, input: { policies: STARTER_POLICIES }, keepOthers: true });
}

import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { activeSetAsDraft, readDraftRow, type PolicyDraftView } from "./policy-draft-view";

/**
 * The org's policy draft (`GET /v1/admin/policies/draft`). A draft is its writers' work in progress,
 * so reading it needs policies.write too. No draft stored: the active set and its tests as YAML, at
 * revision 0 (a save from there creates the draft).
 */
export async function getPolicyDraft({ ctx }: { ctx: Ctx }): Promise<PolicyDraftView> {
  requirePermission(ctx, "policies.write");
  return (await readDraftRow(ctx.org.id)) ?? activeSetAsDraft(ctx);
}

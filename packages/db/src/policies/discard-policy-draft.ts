import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { db } from "../infra/client";
import { activeSetAsDraft, type PolicyDraftView } from "./policy-draft-view";

/** Discards the org's draft (`DELETE /v1/admin/policies/draft`); answers what the editor shows next: the active set at revision 0. */
export async function discardPolicyDraft({ ctx }: { ctx: Ctx }): Promise<PolicyDraftView> {
  requirePermission(ctx, "policies.write");
  await db().$executeRaw`DELETE FROM policy_drafts WHERE org_id = ${ctx.org.id}`;
  return activeSetAsDraft(ctx);
}

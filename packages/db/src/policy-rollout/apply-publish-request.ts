import { conflict } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import type { ApprovedApproval } from "../approvals/approval-hooks";
import { db } from "../infra/client";
import { applyPolicies } from "../policies/apply-policies";

/**
 * A publish waiting for a second admin goes live when ITS approval is approved: the request is found
 * by the approval id it was bound to when it was made (never by what an action's metadata says, so an
 * approval of any other action applies nothing), the recorded set is applied with the approving
 * member as actor (their `policy.version_published` / `policy.archived` entries, as any apply), and
 * the request is marked applied in the same transaction, so it is applied once however often this
 * runs. A denied or expired approval never gets here: its set stays unapplied for good.
 */
export async function applyPublishRequest(ctx: Ctx, approved: ApprovedApproval): Promise<void> {
  const request = await db().policyPublishRequest.findFirst({
    where: { approvalId: approved.approvalId, orgId: ctx.org.id, appliedAt: null },
    select: { id: true, set: true, draftRevision: true },
  });
  if (!request) return;
  await applyPolicies({
    ctx,
    input: request.set,
    approved: true,
    within: async (tx) => {
      const marked = await tx.$executeRaw`
        UPDATE policy_publish_requests SET applied_at = clock_timestamp()
        WHERE id = ${request.id} AND org_id = ${ctx.org.id} AND approval_id = ${approved.approvalId} AND applied_at IS NULL
          AND EXISTS (SELECT 1 FROM approvals a WHERE a.id = ${approved.approvalId} AND a.org_id = ${ctx.org.id} AND a.status = 'approved')`;
      // Applied meanwhile by another run (or not approved after all): roll this one back.
      if (marked === 0) throw conflict("this policy publish was already applied, or its approval is not approved");
      // The draft it came from is live now: it goes, unless someone saved a newer revision since.
      if (request.draftRevision !== null) await tx.$executeRaw`DELETE FROM policy_drafts WHERE org_id = ${ctx.org.id} AND revision = ${request.draftRevision}`;
    },
  });
}

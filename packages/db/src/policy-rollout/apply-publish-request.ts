import { conflict } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { onApproved, type ApprovedApproval } from "../approvals/approval-hooks";
import { db } from "../infra/client";
import { applyPolicies } from "../policies/apply-policies";
import { PUBLISH_ACTION_TYPE } from "./publish-policy-draft";

/**
 * A publish waiting for a second admin goes live when its approval is approved: the recorded set is
 * applied with the approving member as actor (their `policy.version_published` / `policy.archived`
 * entries, as any apply), and the request is marked applied in the same transaction, so it is applied
 * once however often this runs. A denied or expired approval never gets here: its set stays unapplied.
 */
export async function applyPublishRequest(ctx: Ctx, approved: ApprovedApproval): Promise<void> {
  // The action names its request (set before the approval existed, so a crash in between loses nothing).
  const action = await db().action.findFirst({ where: { id: approved.actionId, orgId: ctx.org.id }, select: { metadata: true } });
  const metadata = (action?.metadata ?? {}) as { publishRequestId?: unknown; draftRevision?: unknown };
  const requestId = metadata.publishRequestId;
  if (typeof requestId !== "string") return;
  const request = await db().policyPublishRequest.findFirst({ where: { id: requestId, orgId: ctx.org.id }, select: { set: true, appliedAt: true } });
  if (!request || request.appliedAt) return;
  await applyPolicies({
    ctx,
    input: request.set,
    approved: true,
    within: async (tx) => {
      const marked = await tx.$executeRaw`
        UPDATE policy_publish_requests SET applied_at = clock_timestamp(), approval_id = COALESCE(approval_id, ${approved.approvalId})
        WHERE id = ${requestId} AND org_id = ${ctx.org.id} AND applied_at IS NULL`;
      // Applied meanwhile by another run: roll this one back.
      if (marked === 0) throw conflict("this policy publish was already applied");
      // The draft it came from is live now: it goes, unless someone saved a newer revision since.
      if (typeof metadata.draftRevision === "number") await tx.$executeRaw`DELETE FROM policy_drafts WHERE org_id = ${ctx.org.id} AND revision = ${metadata.draftRevision}`;
    },
  });
}

onApproved(PUBLISH_ACTION_TYPE, applyPublishRequest);

import { conflict, hasPermission, type MemberRole } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import type { ApprovedApproval } from "../approvals/approval-hooks";
import type { ErasurePlan } from "../audit/erase-audit-fields";
import { writeAuditErasure } from "../audit/erase-audit-fields";
import { db, TX_OPTIONS } from "../infra/client";

/**
 * An erasure waiting for a second admin is applied when ITS approval is approved: the request is found
 * by the approval id it was bound to when it was asked (an approval of any other action erases
 * nothing), and exactly the entries and fields recorded then are erased (those erased meanwhile left
 * out), with the approving member as actor and the approval named in the `audit.erased` entry. The
 * request is marked applied in the same transaction, so it is applied once. The member who asked must
 * still hold `audit.erase`: removed, or no longer an owner, their erasure is not applied.
 */
export async function applyAuditErasure(ctx: Ctx, approved: ApprovedApproval): Promise<void> {
  const orgId = ctx.org.id;
  const request = await db().auditErasureRequest.findFirst({
    where: { approvalId: approved.approvalId, orgId, appliedAt: null },
    select: { id: true, entries: true, reason: true, subjectTag: true, requestedBy: true },
  });
  if (!request?.requestedBy) return;
  const requester = await db().membership.findFirst({ where: { id: request.requestedBy, orgId }, select: { role: true } });
  if (!requester || !hasPermission(requester.role as MemberRole, "audit.erase")) return;
  const plan: ErasurePlan = { entries: request.entries as ErasurePlan["entries"], ...(request.subjectTag ? { subjectTag: request.subjectTag } : {}) };
  await db().$transaction(async (tx) => {
    const marked = await tx.$executeRaw`
      UPDATE audit_erasure_requests SET applied_at = clock_timestamp()
      WHERE id = ${request.id} AND org_id = ${orgId} AND approval_id = ${approved.approvalId} AND applied_at IS NULL
        AND EXISTS (SELECT 1 FROM approvals a WHERE a.id = ${approved.approvalId} AND a.org_id = ${orgId} AND a.status = 'approved')`;
    // Applied meanwhile by another run (or not approved after all): roll this one back.
    if (marked === 0) throw conflict("this erasure was already applied, or its approval is not approved");
    await writeAuditErasure(tx, orgId, { actor: actorRef(ctx.actor), plan, reason: request.reason, approvalId: approved.approvalId });
  }, TX_OPTIONS);
}

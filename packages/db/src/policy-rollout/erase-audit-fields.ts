import { auditErasureBodySchema, type AuditErasureOutcome } from "@gatehouse/contracts";
import { approvalTimeoutSetting, forbidden, newId, policySettings, validationError, zodIssues } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { erasureSubjectTag, planAuditErasure, writeAuditErasure, type ErasurePlan } from "../audit/erase-audit-fields";
import type { Prisma } from "../generated/prisma/client";
import { db, TX_OPTIONS } from "../infra/client";
import { fairShare } from "../infra/fair-share";
import { membershipOf } from "../policies/save-policy-draft";
import { openSystemApproval } from "./open-system-approval";
import { tellOwnersOfErasure } from "./tell-owners-of-erasure";

/** The action an erasure waiting for a second admin is, on the org's system agent. */
export const ERASURE_ACTION_TYPE = "gatehouse.audit.erase";

type Found = { ruled: false; erased: Omit<Extract<AuditErasureOutcome, { status: "erased" }>, "status"> } | { ruled: true; plan: ErasurePlan; timeoutSeconds: number };

/**
 * Erases personal or secret data from the audit log (`POST /v1/admin/audit/erasures`, the console's
 * "Erase personal data"; owners: `audit.erase`; docs/adr/0023-erasure.md). One request reaches at most
 * 1,000 entries: the entry ids it names, or the entries its subject (at least 6 characters) is found
 * in — more is a 400 naming `subject` with how many, nothing written. Then, in one of the org's fair
 * shares:
 * - without the two-admin rule, the fields are erased at once (audit/erase-audit-fields.ts) → `erased`,
 *   and every other owner is told by email (one person alone erased evidence);
 * - while the rule (`policies.requireSecondApproval`) is in force nothing is erased: the entries and
 *   fields found now are recorded (a subject only as its keyed hash, never the text), bound to an
 *   approval of another owner or admin — an action `gatehouse.audit.erase` of the org's system agent,
 *   with the asking member as requester, so none of their credentials can approve it → `pending_approval`.
 *   Approved, exactly those fields are erased (apply-audit-erasure.ts).
 * Nothing left to erase writes nothing, with or without the rule.
 */
export async function eraseAuditFields({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<AuditErasureOutcome> {
  requirePermission(ctx, "audit.erase");
  const parsed = auditErasureBodySchema.safeParse(input);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const body = parsed.data;
  const orgId = ctx.org.id;
  const subjectTag = body.subject === undefined ? undefined : await erasureSubjectTag(orgId, body.subject);
  const found = await fairShare().run(orgId, "audit erasure", () =>
    db().$transaction(async (tx): Promise<Found> => {
      const org = await tx.org.findUniqueOrThrow({ where: { id: orgId }, select: { settings: true } });
      const plan = await planAuditErasure(tx, orgId, body, subjectTag);
      if (plan.entries.length > 0 && policySettings(org.settings).requireSecondApproval) return { ruled: true, plan, timeoutSeconds: approvalTimeoutSetting(org.settings) };
      return { ruled: false, erased: await writeAuditErasure(tx, orgId, { actor: actorRef(ctx.actor), plan, reason: body.reason }) };
    }, TX_OPTIONS),
  );
  if (found.ruled) return requestErasure(ctx, found.plan, body.reason, found.timeoutSeconds);
  const { erasureEntryId } = found.erased;
  if (erasureEntryId !== null) tellOwnersOfErasure(ctx, { ...found.erased, erasureEntryId, reason: body.reason });
  return { status: "erased", ...found.erased };
}

async function requestErasure(ctx: Ctx, plan: ErasurePlan, reason: string, timeoutSeconds: number): Promise<AuditErasureOutcome> {
  const requester = membershipOf(ctx);
  if (!requester) throw forbidden("an erasure under the two-admin rule needs a member: sign in to the console or use an org admin key");
  const counts = { entries: plan.entries.length, fields: plan.entries.reduce((n, e) => n + e.fields.length, 0) };
  const entries = JSON.stringify(plan.entries);
  // A retried request (a lost answer) of the same erasure by the same member answers the approval it opened.
  const [open] = await db().$queryRaw<Array<{ approval_id: string }>>`
    SELECT r.approval_id FROM audit_erasure_requests r JOIN approvals a ON a.id = r.approval_id
    WHERE r.org_id = ${ctx.org.id} AND r.requested_by = ${requester} AND r.applied_at IS NULL AND a.status = 'pending'
      AND r.entries = ${entries}::jsonb AND r.reason = ${reason} AND r.subject_tag IS NOT DISTINCT FROM ${plan.subjectTag ?? null}
    LIMIT 1`;
  if (open) return { status: "pending_approval", approvalId: open.approval_id, ...counts };
  const requestId = newId("auditErasureRequest");
  // Bound to its approval before the approval exists: only that approval can apply it.
  const approvalId = newId("approval");
  await db().auditErasureRequest.create({
    data: {
      id: requestId,
      orgId: ctx.org.id,
      approvalId,
      entries: plan.entries as unknown as Prisma.InputJsonArray,
      reason,
      subjectTag: plan.subjectTag ?? null,
      requestedBy: requester,
    },
  });
  // What the approvers see: how much, which entries, why; a subject only as its keyed hash.
  const metadata = {
    auditErasureRequestId: requestId,
    requestedBy: requester,
    reason,
    ...counts,
    seqs: plan.entries.map((e) => e.seq),
    ...(plan.subjectTag ? { subjectTag: plan.subjectTag } : {}),
  };
  await openSystemApproval(ctx, { actionType: ERASURE_ACTION_TYPE, metadata, requester, approvalId, timeoutSeconds });
  return { status: "pending_approval", approvalId, ...counts };
}

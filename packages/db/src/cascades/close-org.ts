import { closeOrgBodySchema, type ClosedOrg } from "@gatehouse/contracts";
import { orgClosed, validationError, zodIssues } from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { announceApprovals } from "../approvals/announce-approvals";
import { endUndecided } from "../approvals/end-approvals";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { db, TX_OPTIONS } from "../infra/client";
import { publishAfterCommit } from "../infra/signals";
import { revokeOrgInvitations } from "../invitations/revoke-inviter-invitations";
import { evictOrgKeys } from "../keys/authenticate-api-key";
import { currentRole } from "../members/member-access";

/** The reason written on the approvals a closing cancels. */
export const ORG_CLOSED_REASON = "organization closed";

/**
 * Closes the org, for good (owners only, `org.close`). The body's `confirm` must be the org's slug as
 * it is now (else 400 naming `confirm`, nothing written). In one transaction: the `org.closed` entry
 * naming the actor, every pending approval cancelled (an `approval.cancelled` entry each; their
 * waiters hear it), every pending invitation revoked, its SSO domains released (claims and routes),
 * then `closed_at`/`closed_by` — after which the log takes no more entries
 * (appendAuditEntries refuses with 409 ORG_CLOSED), so every change to the org is refused.
 *
 * What stops: every agent key and admin key (authenticateApiKey refuses keys of a closed org; this
 * process forgets its cached verifications now, the others on the `org.closed` signal, a lost signal
 * within the key cache's TTL); members other than owners lose the console (getMemberContext answers
 * 404 and the switcher leaves it out). What stays: the audit log, its signing keys and checkpoints —
 * owners read, export and verify it. Closing twice is a 409.
 */
export async function closeOrg({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<ClosedOrg> {
  requirePermission(ctx, "org.close");
  const parsed = closeOrgBodySchema.safeParse(input);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const actor = actorRef(ctx.actor);
  const closedBy = ctx.actor.type === "user" || ctx.actor.type === "adminKey" ? ctx.actor.membershipId : actor.id;
  const result = await db().$transaction(async (tx) => {
    await currentRole(tx, ctx, "org.close");
    const [org] = await tx.$queryRaw<Array<{ slug: string; closed_at: Date | null }>>`SELECT slug, closed_at FROM orgs WHERE id = ${ctx.org.id} FOR UPDATE`;
    if (!org) throw new Error(`org ${ctx.org.id} missing`);
    if (org.closed_at) throw orgClosed();
    if (parsed.data.confirm !== org.slug) throw validationError([{ path: "confirm", message: `must be the organization's slug, "${org.slug}", typed out` }]);
    // The entry first: it takes the log head's lock, after which no decision can add a pending approval.
    await appendAuditEntry(tx, ctx.org.id, { type: "org.closed", actor, subjectId: ctx.org.id, data: { slug: org.slug } });
    const pending = await tx.$queryRaw<Array<{ id: string; action_id: string; agent_id: string; action_type: string }>>`
      SELECT a.id, a.action_id, a.agent_id, c.action_type FROM approvals a JOIN actions c ON c.id = a.action_id
      WHERE a.org_id = ${ctx.org.id} AND a.status = 'pending' ORDER BY a.id FOR UPDATE OF a`;
    await endUndecided(tx, ctx.org.id, pending, { status: "cancelled", reason: ORG_CLOSED_REASON }, actor);
    // Its pending invitations die, and its SSO domains (claims and routes) are released for others to prove.
    await revokeOrgInvitations(tx, ctx);
    await tx.orgSsoDomain.deleteMany({ where: { orgId: ctx.org.id } });
    await tx.orgDomainClaim.deleteMany({ where: { orgId: ctx.org.id } });
    const closed = await tx.org.update({ where: { id: ctx.org.id }, data: { closedAt: new Date(), closedBy }, select: { closedAt: true } });
    return { id: ctx.org.id, slug: org.slug, closedAt: (closed.closedAt ?? new Date()).toISOString(), closedBy, cancelled: pending.map((r) => r.id) };
  }, TX_OPTIONS);
  evictOrgKeys(ctx.org.id);
  await Promise.all([
    publishAfterCommit({ type: "org.closed", orgId: ctx.org.id }),
    publishAfterCommit({ type: "audit.appended", orgId: ctx.org.id }),
    announceApprovals(ctx.org.id, result.cancelled),
  ]);
  return { id: result.id, slug: result.slug, closedAt: result.closedAt, closedBy: result.closedBy, cancelledApprovals: result.cancelled.length };
}

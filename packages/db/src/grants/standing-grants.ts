import type { GrantView } from "@gatehouse/contracts";
import {
  conflict,
  forbidden,
  grantRefusal,
  grantRefusalFor,
  grantRequestSchema,
  grantScope,
  hasPermission,
  newId,
  notFound,
  validationError,
  zodIssues,
  type ApprovalStatus,
  type CastVote,
  type MemberRole,
} from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import type { ApprovalView } from "../approvals";
import { AGENT_OWNER_SQL, authorityRuleOf, channelOf, POLICY_FLAGS_SQL, voterOf, type RulesRow } from "../approvals/approval-view";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { db, TX_OPTIONS } from "../infra/client";
import { screenWithOrgSettings } from "../content/content-screen";
import { getOrgSettings } from "../orgs/get-org-settings";
import { decideApproval } from "../policy-rollout";

/**
 * Standing grants (docs/approvals.md, Standing grants). An approver deciding a request may instead grant
 * "the same action, for this agent, with arguments matching …, for the next N minutes or N uses": the
 * request is approved by their vote, and later calls the grant covers are executed without a person
 * (decisions/claim-grant.ts), each naming the grant. Bounded by the org's settings (`grants`), refused
 * for a policy marked `humanEachTime`, and for an approval that needs more than one vote (a grant by one
 * approver must not stand in for a quorum). Revoking one holds for the next call on every process.
 */

interface GrantRow {
  id: string;
  agent_id: string;
  agent_name: string;
  action_type: string;
  match: Record<string, unknown>;
  approval_id: string;
  created_by: string;
  granted_by_email: string;
  expires_at: Date;
  max_uses: number;
  uses: number;
  reason: string | null;
  created_at: Date;
  revoked_at: Date | null;
  any_arguments: boolean;
  ended_reason: "grantor_removed" | "grantor_role_changed" | null;
}

const GRANT_SQL = `
  SELECT s.id, s.agent_id, g.name AS agent_name, s.action_type, s.match, s.approval_id, s.created_by, u.email AS granted_by_email,
         s.expires_at, s.max_uses, s.uses, s.reason, s.created_at, s.revoked_at, s.any_arguments, s.ended_reason
  FROM standing_grants s JOIN agents g ON g.id = s.agent_id JOIN memberships m ON m.id = s.created_by JOIN users u ON u.id = m.user_id
  WHERE s.org_id = $1`;

function grantView(row: GrantRow, now = Date.now()): GrantView {
  const status = row.revoked_at ? "revoked" : row.uses >= row.max_uses ? "used_up" : row.expires_at.getTime() <= now ? "expired" : "active";
  return {
    id: row.id,
    agentId: row.agent_id,
    agentName: row.agent_name,
    actionType: row.action_type,
    match: row.match,
    anyArguments: row.any_arguments,
    approvalId: row.approval_id,
    grantedBy: { id: row.created_by, email: row.granted_by_email },
    expiresAt: row.expires_at.toISOString(),
    maxUses: row.max_uses,
    uses: row.uses,
    status,
    reason: row.reason,
    createdAt: row.created_at.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
    endedReason: row.revoked_at ? (row.ended_reason ?? "revoked") : null,
  };
}

async function readGrant(orgId: string, grantId: string): Promise<GrantView> {
  const [row] = await db().$queryRawUnsafe<GrantRow[]>(`${GRANT_SQL} AND s.id = $2`, orgId, grantId);
  if (!row) throw notFound("grant");
  return grantView(row);
}

/** The approval a grant is asked on, with what core's authority reads (its rule and its votes). */
interface TargetRow extends RulesRow {
  status: ApprovalStatus;
  expires_at: Date;
  agent_id: string;
  action_type: string;
  metadata: Record<string, unknown>;
  votes: CastVote[];
}

const TARGET_SQL = `
  SELECT a.status::text AS status, a.expires_at, a.quorum, a.approver_roles::text[] AS approver_roles, a.approver_member_ids, a.exclude_agent_owner,
         a.requester_ref, a.system, a.agent_id, c.action_type, c.metadata, ${AGENT_OWNER_SQL} AS agent_owner, ${POLICY_FLAGS_SQL},
         COALESCE((SELECT json_agg(json_build_object('membershipId', v.membership_id, 'countsFor', v.counts_for, 'decision', v.decision))
                   FROM approval_votes v WHERE v.approval_id = a.id), '[]'::json) AS votes
  FROM approvals a JOIN actions c ON c.id = a.action_id JOIN agents g ON g.id = a.agent_id
  WHERE a.org_id = $1 AND a.id = $2`;

/** Approves `approvalId` with the caller's vote and grants the same action for later calls; answers both. */
export async function grantFromApproval({ ctx, input }: { ctx: Ctx; input: { approvalId: string; body: unknown } }): Promise<{ approval: ApprovalView; grant: GrantView }> {
  const parsed = grantRequestSchema.safeParse(input.body ?? {});
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const voter = await voterOf(ctx);
  if (!voter) throw forbidden("granting needs a member: sign in to the console or use an org admin key");
  const [target] = await db().$queryRawUnsafe<TargetRow[]>(TARGET_SQL, ctx.org.id, input.approvalId);
  if (!target) throw notFound("approval");
  const settings = (await getOrgSettings({ ctx })).grants;
  const refusal = grantRefusal(parsed.data, settings);
  if (refusal) throw refusal.path ? validationError([refusal]) : forbidden(refusal.message);
  // May this member approve it alone, by their own authority, through this channel (core's authority)?
  // Checked before the grant exists; the vote below checks again under the approval's lock.
  const channel = channelOf(ctx);
  const state = { rule: authorityRuleOf(target), status: target.status, expiresAt: target.expires_at, votes: target.votes };
  const refused = grantRefusalFor(state, voter, channel, new Date());
  if (refused) {
    // A refused self-approval is recorded as any vote's would be (posture counts them).
    if (refused.self) await decideApproval({ ctx, input: { approvalId: input.approvalId, body: { decision: "approve" } } }).catch(() => undefined);
    throw refused.code === "CONFLICT" ? conflict(refused.reason) : forbidden(`you cannot grant on this approval: ${refused.reason}`);
  }
  const scope = grantScope(parsed.data, target.metadata, settings);
  if ("path" in scope) throw validationError([scope]);
  const grantId = newId("grant");
  const { match, anyArguments, maxUses } = scope;
  // The reason is kept on the grant and shown wherever it is listed: screened as the log would screen it.
  const reason = parsed.data.reason ? await screenWithOrgSettings(ctx.org.id, "reason", parsed.data.reason) : null;
  const expiresAt = new Date(Date.now() + parsed.data.durationSeconds * 1_000);
  // The grant is in place before the vote approves the request, so the call whose gate() the vote wakes
  // can rely on it at once; it covers nothing until that approval is decided approved (claim-grant.ts reads
  // the approval's status), so no call runs under it meanwhile. A vote refused after all takes it back.
  await db().$transaction(async (tx) => {
    await tx.standingGrant.create({
      data: {
        id: grantId,
        orgId: ctx.org.id,
        agentId: target.agent_id,
        actionType: target.action_type,
        match: match as object,
        approvalId: input.approvalId,
        createdBy: voter.membershipId,
        expiresAt,
        maxUses,
        reason,
        via: channel,
        anyArguments,
      },
    });
    await appendAuditEntry(tx, ctx.org.id, {
      type: "grant.created",
      actor: actorRef(ctx.actor),
      agentId: target.agent_id,
      subjectId: grantId,
      data: {
        grantId,
        approvalId: input.approvalId,
        agentId: target.agent_id,
        actionType: target.action_type,
        match,
        ...(anyArguments ? { anyArguments } : {}),
        expiresAt: expiresAt.toISOString(),
        maxUses,
        member: { id: voter.membershipId, email: voter.email },
        ...(reason ? { reason } : {}),
      },
    });
  }, TX_OPTIONS);
  let approval: ApprovalView;
  try {
    approval = await decideApproval({
      ctx,
      input: {
        approvalId: input.approvalId,
        body: { decision: "approve", reason: reason ? `${reason} (standing grant ${grantId})` : `standing grant ${grantId}` },
      },
    });
    if (approval.status !== "approved") throw conflict(`the approval is ${approval.status}: no grant was made`);
  } catch (error) {
    await takeBack(ctx, grantId, voter);
    throw error;
  }
  return { approval, grant: await readGrant(ctx.org.id, grantId) };
}

/** A grant whose vote was refused: revoked at once, recorded. */
async function takeBack(ctx: Ctx, grantId: string, voter: { membershipId: string; email: string }): Promise<void> {
  await db().$transaction(async (tx) => {
    const updated = await tx.standingGrant.updateMany({ where: { id: grantId, revokedAt: null }, data: { revokedAt: new Date(), revokedBy: voter.membershipId } });
    if (updated.count === 0) return;
    const row = await tx.standingGrant.findUniqueOrThrow({ where: { id: grantId } });
    await appendAuditEntry(tx, ctx.org.id, {
      type: "grant.revoked",
      actor: actorRef(ctx.actor),
      agentId: row.agentId,
      subjectId: grantId,
      data: { grantId, actionType: row.actionType, member: { id: voter.membershipId, email: voter.email } },
    });
  }, TX_OPTIONS);
}

/** The org's grants, newest first: the live ones, or all (`status: "all"`). */
export async function listGrants({ ctx, input = {} }: { ctx: Ctx; input?: { status?: "active" | "all" | undefined } }): Promise<{ grants: GrantView[] }> {
  requirePermission(ctx, "approvals.read");
  const live = input.status !== "all";
  const rows = await db().$queryRawUnsafe<GrantRow[]>(
    `${GRANT_SQL} ${live ? "AND s.revoked_at IS NULL AND s.expires_at > now() AND s.uses < s.max_uses" : ""} ORDER BY s.created_at DESC, s.id DESC LIMIT 500`,
    ctx.org.id,
  );
  return { grants: rows.map((row) => grantView(row)) };
}

/** Revokes a grant at once: the next call it would have covered waits for a person again, on every process. The granter, or an owner or admin. */
export async function revokeGrant({ ctx, input }: { ctx: Ctx; input: { grantId: string } }): Promise<GrantView> {
  requirePermission(ctx, "approvals.read");
  const voter = await voterOf(ctx);
  if (!voter) throw forbidden("revoking a grant needs a member");
  const before = await readGrant(ctx.org.id, input.grantId);
  if (before.grantedBy.id !== voter.membershipId && !hasPermission(voter.role as MemberRole, "settings.write")) {
    throw forbidden("only the member who gave a grant, or an owner or admin, may revoke it");
  }
  if (before.revokedAt) return before;
  await db().$transaction(async (tx) => {
    const updated = await tx.standingGrant.updateMany({
      where: { id: input.grantId, orgId: ctx.org.id, revokedAt: null },
      data: { revokedAt: new Date(), revokedBy: voter.membershipId },
    });
    if (updated.count === 0) return;
    await appendAuditEntry(tx, ctx.org.id, {
      type: "grant.revoked",
      actor: actorRef(ctx.actor),
      agentId: before.agentId,
      subjectId: input.grantId,
      data: { grantId: input.grantId, actionType: before.actionType, member: { id: voter.membershipId, email: voter.email } },
    });
  }, TX_OPTIONS);
  return readGrant(ctx.org.id, input.grantId);
}

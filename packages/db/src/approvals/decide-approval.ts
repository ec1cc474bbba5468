import { screenWithOrgSettings } from "../content/content-screen";
import { bulkDecisionBodySchema, decisionBodySchema } from "@gatehouse/contracts";
import {
  conflict,
  endingEntries,
  forbidden,
  judgeVote,
  newId,
  notFound,
  tallyVotes,
  validationError,
  zodIssues,
  type AuditEntryInput,
  type ApprovalStatus,
  type CastVote,
  type DomainError,
  type Ending,
  type SelfApprovalReason,
  type Voter,
  type VoteDecision,
} from "@gatehouse/core";
import { actorRef } from "../actors/actor-ref";
import type { Ctx } from "../actors/context";
import { appendAuditEntries } from "../audit/append-audit-entries";
import { lockAuditLog, lockAuditLogHead } from "../audit/lock-audit-log";
import type { Bind } from "../audit/log-store";
import { db, TX_OPTIONS } from "../infra/client";
import { announceApprovals } from "./announce-approvals";
import { runApprovedHooks, type ApprovedApproval, type ApprovedHooks } from "./approval-hooks";
import {
  AGENT_OWNER_SQL,
  authorityRuleOf,
  channelOf,
  CURRENT_VOTERS_SQL,
  loadApprovalViews,
  membersNow,
  POLICY_FLAGS_SQL,
  type ApprovalView,
  type RulesRow,
} from "./approval-view";
import { endingsWrite } from "./end-approvals";
import { expireApprovals, overdueSql } from "./expire-approvals";
import { handoversToSql } from "./handovers";

/**
 * A member votes on an approval (`POST /v1/admin/approvals/:id/decision`, the console's buttons).
 * Any other org's or unknown id → 404; an ineligible member (role, requester, excluded owner) → 403;
 * a decided or expired approval, or a member changing their vote → 409 (repeating the same vote answers
 * the approval as it is, so a retried request is harmless). The vote, and the end it
 * brings (quorum reached, or a veto), are audit entries in the same transaction; waiting agents are
 * woken after the commit, then `onApproved`'s hook runs for each approved action of its type (the
 * package exports this verb with Gatehouse's own table: policy-rollout/decide-approval.ts).
 */
export async function decideApproval({ ctx, input, onApproved }: { ctx: Ctx; input: { approvalId: string; body: unknown }; onApproved: ApprovedHooks }): Promise<ApprovalView> {
  const parsed = decisionBodySchema.safeParse(input.body);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const voting = await votingContext(ctx, [input.approvalId]);
  const [outcome] = await decideMany(ctx, onApproved, voting, [input.approvalId], parsed.data.decision, await screenedReason(ctx, parsed.data.reason));
  if (!outcome) throw notFound("approval");
  if ("error" in outcome) throw outcome.error;
  const [view] = await loadApprovalViews(ctx.org.id, [input.approvalId], voting.voter, channelOf(ctx), voting.absent);
  if (!view) throw notFound("approval");
  return view;
}

export type BulkOutcome = { approvalId: string; status: ApprovalStatus } | { approvalId: string; error: DomainError };

/** The same vote on many approvals in one transaction; each answers on its own, with the status it is in now. */
export async function decideApprovals({ ctx, input, onApproved }: { ctx: Ctx; input: unknown; onApproved: ApprovedHooks }): Promise<BulkOutcome[]> {
  const parsed = bulkDecisionBodySchema.safeParse(input);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const approvalIds = [...new Set(parsed.data.approvalIds)];
  return decideMany(ctx, onApproved, await votingContext(ctx, approvalIds), approvalIds, parsed.data.decision, await screenedReason(ctx, parsed.data.reason));
}

/** A reason as it may be written: none when blank; secrets and personal data screened by the org's content settings (docs/content.md). */
async function screenedReason(ctx: Ctx, reason: string | undefined): Promise<string | null> {
  return reason ? screenWithOrgSettings(ctx.org.id, "reason", reason) : null;
}

/** Who votes, whether any of the approvals is overdue, and whom the voter stands in for. */
interface VotingContext {
  voter: Voter;
  overdue: boolean;
  /** Members away who handed their approvals to this voter (out of office): the voter may decide in their place. */
  absent: Voter[];
}

/**
 * What a vote needs to know before its transaction, in one read: the voter's address (a member's; anyone
 * else is refused before anything is read), whether an approval voted on is overdue, and the live hand-overs to the voter.
 */
async function votingContext(ctx: Ctx, approvalIds: readonly string[]): Promise<VotingContext> {
  const { actor } = ctx;
  if (actor.type !== "user" && actor.type !== "adminKey") throw forbidden("deciding an approval needs a member: sign in to the console or use an org admin key");
  const { rows } = await db().pool.query<{ email: string | null; overdue: boolean; absent: Voter[] }>(
    `SELECT (SELECT email FROM users WHERE id = $1) AS email, EXISTS (${overdueSql("$2", "$3", "$4")}) AS overdue,
            COALESCE((SELECT json_agg(h) FROM (${handoversToSql("$2", "$5", "$3")}) h), '[]'::json) AS absent`,
    [actor.userId, ctx.org.id, new Date(), [...approvalIds], actor.membershipId],
  );
  const row = rows[0];
  return { voter: { membershipId: actor.membershipId, userId: actor.userId, email: row?.email ?? "", role: actor.role }, overdue: row?.overdue ?? true, absent: row?.absent ?? [] };
}

interface LockedApproval extends RulesRow {
  id: string;
  status: ApprovalStatus;
  expires_at: Date;
  agent_id: string;
  action_id: string;
  action_type: string;
  votes: CastVote[];
  /** The members behind the votes, as they are now: a vote counts only while its member may still decide. */
  voters: Voter[];
}

/** The approvals to vote on, locked in id order (the same order everywhere, so bulk votes cannot deadlock). */
const LOCK_SQL = `
  SELECT a.id, a.status::text AS status, a.expires_at, a.quorum, a.approver_roles::text[] AS approver_roles, a.approver_member_ids,
         a.exclude_agent_owner, a.requester_ref, a.system, a.agent_id, a.action_id, c.action_type, ${AGENT_OWNER_SQL} AS agent_owner,
         ${POLICY_FLAGS_SQL},
         COALESCE((SELECT json_agg(json_build_object('membershipId', v.membership_id, 'countsFor', v.counts_for, 'decision', v.decision))
                   FROM approval_votes v WHERE v.approval_id = a.id), '[]'::json) AS votes,
         ${CURRENT_VOTERS_SQL} AS voters
  FROM approvals a JOIN actions c ON c.id = a.action_id JOIN agents g ON g.id = a.agent_id
  WHERE a.org_id = $1 AND a.id = ANY($2::text[])
  ORDER BY a.id
  FOR UPDATE OF a`;

/** `reason` is null when none was given (a blank one counts as none). */
async function decideMany(
  ctx: Ctx,
  onApproved: ApprovedHooks,
  voting: VotingContext,
  approvalIds: string[],
  decision: VoteDecision,
  reason: string | null,
): Promise<BulkOutcome[]> {
  const orgId = ctx.org.id;
  const { voter, absent } = voting;
  // An overdue approval is recorded as expired first (its own commit), so the vote below meets `expired`.
  if (voting.overdue) await expireApprovals(orgId, approvalIds);
  const channel = channelOf(ctx);
  const countsFor = new Map<string, string>();
  const errors = new Map<string, DomainError>();
  const changed: string[] = [];
  const statuses = new Map<string, ApprovalStatus>();
  const refused: AuditEntryInput[] = [];
  let approved: ApprovedApproval[] = [];
  await db().$transaction(async (tx) => {
    // The log head first (the lock order), read once for the one append below.
    const head = await lockAuditLogHead(tx, orgId);
    const now = new Date();
    // One read for every approval with what the vote needs: its action's type, its agent's owner, its votes.
    const rows = await tx.$queryRawUnsafe<LockedApproval[]>(LOCK_SQL, orgId, approvalIds);
    const byId = new Map(rows.map((r) => [r.id, r]));
    const entries: AuditEntryInput[] = [];
    const endings: Ending[] = [];
    const votedOn: string[] = [];
    const actor = actorRef(ctx.actor);
    for (const approvalId of approvalIds) {
      const row = byId.get(approvalId);
      if (!row) {
        errors.set(approvalId, notFound("approval"));
        continue;
      }
      // The same member repeating the vote they cast (a retry after a lost answer) gets the approval as it is.
      const previous = row.votes.find((v) => v.membershipId === voter.membershipId);
      if (previous && previous.decision === decision) {
        statuses.set(approvalId, row.status);
        continue;
      }
      // The one authority (core's judgeVote): the channel, separation of duties, eligibility, a
      // stand-in's place, and whether this person (or someone in their place) already counts.
      const verdict = judgeVote({ state: { rule: authorityRuleOf(row), status: row.status, expiresAt: row.expires_at, votes: row.votes }, voter, channel, absent, now });
      if (!verdict.ok) {
        errors.set(approvalId, verdict.code === "CONFLICT" ? conflict(verdict.reason, { status: verdict.status ?? row.status }) : forbidden(verdict.reason));
        if (verdict.self) refused.push(refusalEntry(actor, row, verdict.self));
        continue;
      }
      const cast: CastVote = { membershipId: voter.membershipId, countsFor: verdict.countsFor.membershipId, decision };
      // Only votes of members still able to decide it count: one removed or moved to another role meanwhile does not.
      const outcome = tallyVotes({ rule: authorityRuleOf(row), votes: [...row.votes, cast], members: membersNow(row.voters, voter, verdict.countsFor) });
      const final = outcome.status !== "pending";
      countsFor.set(approvalId, cast.countsFor);
      const stand = verdict.onBehalfOf ? { onBehalfOf: verdict.onBehalfOf } : null;
      const actionType = row.action_type;
      votedOn.push(approvalId);
      entries.push({
        type: "approval.vote",
        actor,
        agentId: row.agent_id,
        subjectId: approvalId,
        data: {
          approvalId,
          actionId: row.action_id,
          actionType,
          decision,
          ...(reason ? { reason } : {}),
          member: { id: voter.membershipId, email: voter.email },
          approvals: outcome.approvals,
          quorum: row.quorum,
          status: outcome.status,
          via: channel,
          ...(stand ? { onBehalfOf: { id: stand.onBehalfOf.membershipId, email: stand.onBehalfOf.email } } : {}),
        },
      });
      if (final && (outcome.status === "approved" || outcome.status === "denied")) {
        endings.push({
          approvalId,
          actionId: row.action_id,
          agentId: row.agent_id,
          actionType,
          status: outcome.status,
          reason,
          decidedBy: { id: voter.membershipId, email: voter.email },
        });
      }
      changed.push(approvalId);
      statuses.set(approvalId, outcome.status);
    }
    if (votedOn.length === 0) return;
    // Each approval's vote entry is followed by the entry that ends it, if it ended; the votes and the
    // endings (approvals and their actions settled) are written in the append's one statement.
    const endOf = new Map(endingEntries(endings, actor).map((e) => [e.subjectId, e]));
    const votes = (bind: Bind) => `votes AS (
       INSERT INTO approval_votes (id, org_id, approval_id, membership_id, counts_for, decision, reason, created_at)
       SELECT x.id, ${bind(orgId)}::text, x.approval_id, ${bind(voter.membershipId)}::text, x.counts_for, ${bind(decision)}::vote_decision, ${bind(reason)}::text, ${bind(now)}::timestamptz
       FROM unnest(${bind(votedOn.map(() => newId("vote")))}::text[], ${bind(votedOn)}::text[], ${bind(votedOn.map((id) => countsFor.get(id) ?? voter.membershipId))}::text[]) AS x(id, approval_id, counts_for)
     )`;
    await appendAuditEntries(
      tx,
      orgId,
      entries.flatMap((e) => [e, ...(endOf.has(e.subjectId) ? [endOf.get(e.subjectId) as AuditEntryInput] : [])]),
      { ...(head ? { locked: head } : {}), alongside: [votes, ...endingsWrite(orgId, endings)] },
    );
    approved = endings.filter((e) => e.status === "approved").map((e) => ({ approvalId: e.approvalId, actionId: e.actionId, actionType: e.actionType }));
  }, TX_OPTIONS);

  await announceApprovals(orgId, changed);
  await recordRefusals(orgId, refused);
  // Gatehouse's own actions (a policy publish waiting for a second admin) take effect once approved.
  await runApprovedHooks(ctx, onApproved, approved);
  return approvalIds.map((approvalId) => {
    const status = statuses.get(approvalId);
    return status ? { approvalId, status } : { approvalId, error: errors.get(approvalId) ?? notFound("approval") };
  });
}

/** The entry of a vote separation of duties refused. */
function refusalEntry(actor: AuditEntryInput["actor"], row: LockedApproval, reason: SelfApprovalReason): AuditEntryInput {
  return {
    type: "approval.vote_refused",
    actor,
    agentId: row.agent_id,
    subjectId: row.id,
    data: { approvalId: row.id, actionId: row.action_id, actionType: row.action_type, reason },
  };
}

/**
 * Votes refused by separation of duties (the voter requested the action, or owns the agent the policy
 * excludes) are recorded as `approval.vote_refused` entries `{ approvalId, actionId, actionType, reason:
 * "requester" | "agent_owner" }` in their own transaction after the refusal, for the posture score
 * (docs/posture.md). Observation: a failure here is swallowed; the voter still gets the 403.
 */
async function recordRefusals(orgId: string, entries: AuditEntryInput[]): Promise<void> {
  if (entries.length === 0) return;
  try {
    await db().$transaction(async (tx) => {
      await lockAuditLog(tx, orgId);
      await appendAuditEntries(tx, orgId, entries);
    }, TX_OPTIONS);
  } catch {
    // Fails open: the refusal stands whether or not it could be recorded.
  }
}

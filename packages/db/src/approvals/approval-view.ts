import { handoversTo } from "./handovers";
import {
  describeResult,
  judgeVote,
  tallyVotes,
  type ActionResult,
  type AuthorityRule,
  type CastVote,
  type DataAccess,
  type ApprovalStatus,
  type MemberRole,
  type VoteChannel,
  type Voter,
} from "@gatehouse/core";
import type { Approval, ApprovalOutcome, MemberRefView } from "@gatehouse/contracts";
import type { Ctx } from "../actors/context";
import { db } from "../infra/client";

export type MemberRef = MemberRefView;

/** The approval object of docs/approvals.md, as its contract defines it. */
export type ApprovalView = Approval;

/** The acting member as a voter (user session or admin key), or null for agents and the system. */
export async function voterOf(ctx: Ctx): Promise<Voter | null> {
  const { actor } = ctx;
  if (actor.type !== "user" && actor.type !== "adminKey") return null;
  const { rows } = await db().pool.query<{ email: string }>(`SELECT email FROM users WHERE id = $1`, [actor.userId]);
  return { membershipId: actor.membershipId, userId: actor.userId, email: rows[0]?.email ?? "", role: actor.role };
}

interface Row {
  id: string;
  status: ApprovalStatus;
  agent_id: string;
  action_id: string;
  quorum: number;
  approver_roles: MemberRole[];
  approver_member_ids: string[];
  exclude_agent_owner: boolean;
  requested_by: string | null;
  requester_ref: string | null;
  system: boolean;
  human_only: boolean;
  human_each_time: boolean;
  expires_at: Date;
  decided_at: Date | null;
  decision_reason: string | null;
  created_at: Date;
  audit_entry_id: string;
  action_type: string;
  metadata: Record<string, unknown>;
  data_accessed: DataAccess[];
  policy_name: string | null;
  result: ActionResult;
  agent_name: string;
  agent_owner: string | null;
  delegation: { rootAgentId: string; rootAgentName: string; depth: number; chain: string[] } | null;
  votes: Array<{ membershipId: string; countsFor: string; decision: "approve" | "deny"; reason: string | null; atMs: number; name: string; email: string }>;
  /** The members behind the votes, as they are now (CURRENT_VOTERS_SQL). */
  voters: Voter[];
}

/**
 * Whose agent an approval's agent is, for separation of duties (`excludeAgentOwner`): the member who
 * created it, or, for a delegate of any depth (delegates have no owner of their own), the member who
 * created the root agent of its chain. Reads `a` (approvals) and `g` (its agent).
 */
export const AGENT_OWNER_SQL = `COALESCE(
  (SELECT r.created_by_membership_id FROM delegations d JOIN agents r ON r.id = d.root_agent_id
   WHERE d.child_agent_id = a.agent_id AND d.org_id = a.org_id),
  g.created_by_membership_id)`;

/** What the approval's policy says of who decides beyond its columns: a signed-in person only, a person every time. Reads `a`. */
export const POLICY_FLAGS_SQL = `
  COALESCE((SELECT (pv.document->'approval'->>'humanOnly')::boolean FROM policy_versions pv WHERE pv.id = a.policy_version_id), false) AS human_only,
  COALESCE((SELECT (pv.document->'approval'->>'humanEachTime')::boolean FROM policy_versions pv WHERE pv.id = a.policy_version_id), false) AS human_each_time`;

/**
 * The members who cast or are counted for an approval's votes, as they are now, still in the org:
 * `[{ membershipId, userId, email, role }]` (a member removed is left out). Core's `tallyVotes` counts a
 * vote only while they may still decide it. Reads `a` (approvals).
 */
export const CURRENT_VOTERS_SQL = `COALESCE((
  SELECT json_agg(json_build_object('membershipId', m.id, 'userId', m.user_id, 'email', u.email, 'role', m.role))
  FROM memberships m JOIN users u ON u.id = m.user_id
  WHERE m.org_id = a.org_id AND m.removed_at IS NULL
    AND m.id IN (SELECT v.membership_id FROM approval_votes v WHERE v.approval_id = a.id
                 UNION SELECT v.counts_for FROM approval_votes v WHERE v.approval_id = a.id)), '[]'::json)`;

/** The members as they are now, by membership id, for core's `tallyVotes`: those read with {@link CURRENT_VOTERS_SQL}, and any read since. */
export function membersNow(voters: readonly Voter[], ...more: Voter[]): Map<string, Voter> {
  return new Map([...voters, ...more].map((m) => [m.membershipId, m]));
}

/** One round trip for any number of approvals: the approval, its action and agent, its votes with their members. */
const VIEW_SQL = `
  SELECT a.id, a.status::text AS status, a.agent_id, a.action_id, a.quorum, a.approver_roles::text[] AS approver_roles,
         a.approver_member_ids, a.exclude_agent_owner, a.requested_by, a.requester_ref, a.system, a.expires_at, a.decided_at, a.decision_reason, a.created_at,
         ${POLICY_FLAGS_SQL},
         c.audit_entry_id, c.action_type, c.metadata, c.data_accessed, c.policy_name, c.result,
         g.name AS agent_name, ${AGENT_OWNER_SQL} AS agent_owner,
         -- A delegate's chain, from its decision's entry (read only for delegates: one index probe otherwise).
         CASE WHEN EXISTS (SELECT 1 FROM delegations d WHERE d.child_agent_id = a.agent_id)
              THEN (SELECT (e.canonical::jsonb) -> 'data' -> 'delegation' FROM audit_entries e WHERE e.id = c.audit_entry_id) END AS delegation,
         COALESCE((
           SELECT json_agg(json_build_object('membershipId', v.membership_id, 'countsFor', v.counts_for, 'decision', v.decision, 'reason', v.reason,
                    'atMs', (extract(epoch FROM v.created_at) * 1000)::bigint, 'name', u.name, 'email', u.email) ORDER BY v.created_at, v.id)
           FROM approval_votes v JOIN memberships m ON m.id = v.membership_id JOIN users u ON u.id = m.user_id
           WHERE v.approval_id = a.id), '[]'::json) AS votes,
         ${CURRENT_VOTERS_SQL} AS voters
  FROM approvals a JOIN actions c ON c.id = a.action_id JOIN agents g ON g.id = a.agent_id
  WHERE a.org_id = $1 AND a.id = ANY($2::text[])`;

/**
 * Views of the org's approvals with these ids, in the order given; ids of other orgs are skipped.
 * Read straight through the pool (not Prisma): waits read thousands of these at once.
 */
/** The approval rules stored on an approval row (the columns every approval query selects). */
export type RulesRow = Pick<
  Row,
  "quorum" | "approver_roles" | "approver_member_ids" | "exclude_agent_owner" | "requester_ref" | "agent_owner" | "system" | "human_only" | "human_each_time"
>;

/** The approval's whole rule, as core's authority reads it (docs/approvals.md, Who may decide). */
export function authorityRuleOf(row: RulesRow): AuthorityRule {
  return {
    quorum: row.quorum,
    approverRoles: row.approver_roles,
    approverMemberIds: row.approver_member_ids,
    excludeAgentOwner: row.exclude_agent_owner,
    requestedBy: row.requester_ref,
    agentOwnerMembershipId: row.agent_owner,
    humanOnly: row.human_only === true,
    humanEachTime: row.human_each_time === true,
    system: row.system === true,
  };
}

/** The channel a member acting through `ctx` votes through (the one list of channels is core's). */
export function channelOf(ctx: Ctx): VoteChannel {
  if (ctx.channel) return ctx.channel;
  return ctx.actor.type === "user" ? "console" : "api";
}

export async function loadApprovalViews(
  orgId: string,
  ids: readonly string[],
  voter: Voter | null = null,
  channel: VoteChannel = "console",
  /** The members handing their approvals to the voter, when the caller has just read them. */
  handedOver?: readonly Voter[],
): Promise<ApprovalView[]> {
  if (ids.length === 0) return [];
  const { rows } = await db().pool.query<Row>(VIEW_SQL, [orgId, [...ids]]);
  const byId = new Map(rows.map((row) => [row.id, row]));
  // Members away who handed their approvals to this voter: what they could decide, the voter may.
  const absent = voter ? (handedOver ?? (await handoversTo(orgId, voter.membershipId))) : [];
  const views: ApprovalView[] = [];
  for (const id of ids) {
    const row = byId.get(id);
    if (row) views.push(toView(row, voter, absent, channel));
  }
  return views;
}

/**
 * How an approval ended, light: no metadata, conditions, delegation chain or vote list (the shared wait
 * reads thousands at once). The final vote of each approval comes in one pass (DISTINCT ON over the
 * approvals' votes, newest first), not a subquery per approval.
 */
const OUTCOME_SQL = `
  WITH final_votes AS (
    SELECT DISTINCT ON (v.approval_id) v.approval_id, v.membership_id, u.name, u.email
      FROM approval_votes v JOIN memberships m ON m.id = v.membership_id JOIN users u ON u.id = m.user_id
     WHERE v.approval_id = ANY($2::text[])
     ORDER BY v.approval_id, v.created_at DESC, v.id DESC)
  SELECT a.id, a.status::text AS status, a.agent_id, a.decided_at, a.decision_reason, c.result,
         f.membership_id AS vote_membership_id, f.name AS vote_name, f.email AS vote_email
  FROM approvals a JOIN actions c ON c.id = a.action_id LEFT JOIN final_votes f ON f.approval_id = a.id
  WHERE a.org_id = $1 AND a.id = ANY($2::text[])`;

interface OutcomeRow {
  id: string;
  status: ApprovalStatus;
  agent_id: string;
  decided_at: Date | null;
  decision_reason: string | null;
  result: ActionResult;
  vote_membership_id: string | null;
  vote_name: string;
  vote_email: string;
}

/** The outcome of the org's approvals with these ids (ids of other orgs are skipped), as `toView` would show those fields. */
export async function loadApprovalOutcomes(orgId: string, ids: readonly string[]): Promise<ApprovalOutcome[]> {
  if (ids.length === 0) return [];
  const { rows } = await db().pool.query<OutcomeRow>(OUTCOME_SQL, [orgId, [...ids]]);
  return rows.map((row) => {
    const decided = (row.status === "approved" || row.status === "denied") && row.vote_membership_id !== null;
    return {
      id: row.id,
      status: row.status,
      agentId: row.agent_id,
      decidedBy: decided ? { id: row.vote_membership_id as string, name: row.vote_name, email: row.vote_email } : null,
      decisionReason: row.decision_reason,
      decidedAt: row.decided_at?.toISOString() ?? null,
      result: { ...row.result, message: describeResult(row.result) },
    };
  });
}

/** What a parked wait needs to know about its approval: whether it is still pending, and whose it is. */
export interface ApprovalState {
  id: string;
  status: ApprovalStatus;
  agentId: string;
  expiresAt: Date;
}

/** The state of the org's approvals with these ids (ids of other orgs are skipped): one light read. */
export async function loadApprovalStates(orgId: string, ids: readonly string[]): Promise<ApprovalState[]> {
  if (ids.length === 0) return [];
  const { rows } = await db().pool.query<ApprovalState>(
    `SELECT id, status::text AS status, agent_id AS "agentId", expires_at AS "expiresAt" FROM approvals WHERE org_id = $1 AND id = ANY($2::text[])`,
    [orgId, [...ids]],
  );
  return rows;
}

function toView(row: Row, voter: Voter | null, absent: readonly Voter[], channel: VoteChannel): ApprovalView {
  // Settling an approval rewrites the stored result's status; its sentence is written anew.
  const result = { ...row.result, message: describeResult(row.result) };
  const member = (v: Row["votes"][number]): MemberRef => ({ id: v.membershipId, name: v.name, email: v.email });
  const finalVote = row.status === "approved" || row.status === "denied" ? row.votes.at(-1) : undefined;
  const view: ApprovalView = {
    id: row.id,
    status: row.status,
    agentId: row.agent_id,
    agentName: row.agent_name,
    delegation: row.delegation ?? null,
    actionId: row.action_id,
    auditEventId: row.audit_entry_id,
    actionType: row.action_type,
    metadata: row.metadata,
    dataAccessed: row.data_accessed,
    tool: result.tool ?? null,
    policyName: result.policyName ?? row.policy_name,
    policyVersion: result.policyVersion ?? null,
    conditionsEvaluated: result.conditionsEvaluated ?? [],
    quorum: row.quorum,
    // While it waits, the approvals that count now (their members still eligible); once ended, those cast.
    approvals:
      row.status === "pending"
        ? tallyVotes({ rule: authorityRuleOf(row), votes: row.votes, members: membersNow(row.voters) }).approvals
        : row.votes.filter((v) => v.decision === "approve").length,
    approverRoles: row.approver_roles,
    approvers: row.approver_member_ids,
    excludeAgentOwner: row.exclude_agent_owner,
    requestedBy: row.requested_by,
    votes: row.votes.map((v) => ({ member: member(v), decision: v.decision, reason: v.reason, at: new Date(Number(v.atMs)).toISOString() })),
    decidedBy: finalVote ? member(finalVote) : null,
    decisionReason: row.decision_reason,
    decidedAt: row.decided_at?.toISOString() ?? null,
    expiresAt: row.expires_at.toISOString(),
    createdAt: row.created_at.toISOString(),
    result,
  };
  if (voter) {
    // What the vote would answer now, through the channel the viewer reads it from (core's one authority).
    const votes: CastVote[] = row.votes.map((v) => ({ membershipId: v.membershipId, countsFor: v.countsFor, decision: v.decision }));
    if (row.status !== "pending") view.viewer = { canDecide: false, reason: `the approval is ${row.status}` };
    else if (row.votes.some((v) => v.membershipId === voter.membershipId)) view.viewer = { canDecide: false, reason: "you already voted" };
    else {
      const verdict = judgeVote({ state: { rule: authorityRuleOf(row), status: row.status, expiresAt: row.expires_at, votes }, voter, channel, absent, now: new Date() });
      view.viewer = verdict.ok ? { canDecide: true } : { canDecide: false, reason: verdict.reason };
    }
  }
  return view;
}

import { eligibility, type ActionResult, type ApprovalStatus, type ConditionResult, type MemberRole, type Voter } from "@gatehouse/core";
import { db } from "../client";
import type { Prisma } from "../generated/prisma/client";
import type { Ctx } from "../context";

export interface MemberRef {
  id: string;
  name: string;
  email: string;
}

/** The approval object of docs/approvals.md. */
export interface ApprovalView {
  id: string;
  status: ApprovalStatus;
  agentId: string;
  agentName: string;
  actionId: string;
  auditEventId: string;
  actionType: string;
  metadata: Record<string, unknown>;
  dataAccessed: unknown[];
  policyName: string | null;
  policyVersion: number | null;
  conditionsEvaluated: ConditionResult[];
  quorum: number;
  approvals: number;
  approverRoles: MemberRole[];
  approvers: string[];
  excludeAgentOwner: boolean;
  requestedBy: string | null;
  votes: Array<{ member: MemberRef; decision: "approve" | "deny"; reason: string | null; at: string }>;
  decidedBy: MemberRef | null;
  decisionReason: string | null;
  decidedAt: string | null;
  expiresAt: string;
  createdAt: string;
  /** The action's answer as it stands now. */
  result: ActionResult;
  /** For a member: whether they may vote now, and if not, why. */
  viewer?: { canDecide: boolean; reason?: string };
}

const include = {
  action: true,
  agent: { select: { name: true, createdByMembershipId: true } },
  votes: { include: { membership: { include: { user: { select: { name: true, email: true } } } } }, orderBy: { createdAt: "asc" as const } },
} as const;

/** The acting member as a voter (user session or admin key), or null for agents and the system. */
export async function voterOf(ctx: Ctx): Promise<Voter | null> {
  const { actor } = ctx;
  if (actor.type !== "user" && actor.type !== "adminKey") return null;
  const user = await db().user.findUnique({ where: { id: actor.userId }, select: { email: true } });
  return { membershipId: actor.membershipId, userId: actor.userId, email: user?.email ?? "", role: actor.role };
}

/** Views of the org's approvals with these ids, in the order given; ids of other orgs are skipped. */
export async function loadApprovalViews(orgId: string, ids: readonly string[], voter: Voter | null = null): Promise<ApprovalView[]> {
  if (ids.length === 0) return [];
  const rows = await db().approval.findMany({ where: { orgId, id: { in: [...ids] } }, include });
  const byId = new Map(rows.map((row) => [row.id, row]));
  const views: ApprovalView[] = [];
  for (const id of ids) {
    const row = byId.get(id);
    if (row) views.push(toView(row, voter));
  }
  return views;
}

type Row = Prisma.ApprovalGetPayload<{ include: typeof include }>;

export function toView(row: Row, voter: Voter | null): ApprovalView {
  const result = row.action.result as unknown as ActionResult;
  const member = (v: Row["votes"][number]): MemberRef => ({ id: v.membershipId, name: v.membership.user.name, email: v.membership.user.email });
  const finalVote = row.status === "approved" || row.status === "denied" ? row.votes.at(-1) : undefined;
  const view: ApprovalView = {
    id: row.id,
    status: row.status,
    agentId: row.agentId,
    agentName: row.agent.name,
    actionId: row.actionId,
    auditEventId: row.action.auditEntryId,
    actionType: row.action.actionType,
    metadata: row.action.metadata as Record<string, unknown>,
    dataAccessed: row.action.dataAccessed as unknown[],
    policyName: result.policyName ?? row.action.policyName,
    policyVersion: result.policyVersion ?? null,
    conditionsEvaluated: result.conditionsEvaluated ?? [],
    quorum: row.quorum,
    approvals: row.votes.filter((v) => v.decision === "approve").length,
    approverRoles: row.approverRoles,
    approvers: row.approverMemberIds,
    excludeAgentOwner: row.excludeAgentOwner,
    requestedBy: row.requestedBy,
    votes: row.votes.map((v) => ({ member: member(v), decision: v.decision, reason: v.reason, at: v.createdAt.toISOString() })),
    decidedBy: finalVote ? member(finalVote) : null,
    decisionReason: row.decisionReason,
    decidedAt: row.decidedAt?.toISOString() ?? null,
    expiresAt: row.expiresAt.toISOString(),
    createdAt: row.createdAt.toISOString(),
    result,
  };
  if (voter) {
    if (row.status !== "pending") view.viewer = { canDecide: false, reason: `the approval is ${row.status}` };
    else if (row.votes.some((v) => v.membershipId === voter.membershipId)) view.viewer = { canDecide: false, reason: "you already voted" };
    else {
      const verdict = eligibility({ ...row, agentOwnerMembershipId: row.agent.createdByMembershipId }, voter);
      view.viewer = verdict.eligible ? { canDecide: true } : { canDecide: false, reason: verdict.reason };
    }
  }
  return view;
}

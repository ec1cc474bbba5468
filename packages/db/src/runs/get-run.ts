import { RUN_TIMELINE_LIMIT, type RunDetail, type RunTimelineItem } from "@gatehouse/contracts";
import { notFound, usdOf, type RunEndStatus } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { db } from "../infra/client";
import { readRun, requireRunReader, runIdFromPath, runView } from "./run-rows";

/** The order of items at the same instant: a decision before the approval it asked for, before its outcome, before the run's end. */
const RANK: Record<RunTimelineItem["type"], number> = { decision: 0, approval: 1, outcome: 2, ended: 3 };

/**
 * One run with its timeline (docs/runs.md): its newest decisions (at most RUN_TIMELINE_LIMIT), each
 * approval they asked for with who voted and why, each outcome, and its end, oldest first. An agent's
 * key reads its own runs: a root agent the whole run (its delegates' calls too), a delegate its own calls.
 * Another org's run, or a run the agent may not see, is a 404.
 */
export async function getRun({ ctx, input, now = Date.now() }: { ctx: Ctx; input: { id: string }; now?: number }): Promise<RunDetail> {
  requireRunReader(ctx);
  const runId = runIdFromPath(ctx, input.id);
  const row = await readRun(ctx, runId);
  if (!row) throw notFound("run");
  const pool = db().pool;
  // A delegate sees only its own calls of its root's run.
  const onlyAgent = ctx.actor.type === "agent" && row.root_agent_id !== ctx.actor.agentId ? ctx.actor.agentId : null;
  const actions = await pool.query<{
    id: string;
    audit_entry_id: string;
    agent_id: string;
    agent_name: string;
    action_type: string;
    status: "executed" | "requested" | "denied";
    denial_reason: string | null;
    policy_name: string | null;
    message: string | null;
    created_at: Date;
    outcome_status: "success" | "failure" | "partial" | null;
    outcome_message: string | null;
    outcome_at: Date | null;
    asked: boolean;
    spend: { model: string; tokens: number; micros: number | null; estimated?: boolean } | null;
  }>(
    `SELECT a.id, a.audit_entry_id, a.agent_id, ag.name AS agent_name, a.action_type, a.status, a.denial_reason, a.policy_name, a.result->>'message' AS message,
            a.created_at, a.outcome_status, a.outcome_message, a.outcome_at, a.spend, EXISTS (SELECT 1 FROM approvals p WHERE p.action_id = a.id) AS asked
     FROM actions a JOIN agents ag ON ag.id = a.agent_id
     WHERE a.org_id = $1 AND a.run_id = $2${onlyAgent ? " AND a.agent_id = $4" : ""}
     ORDER BY a.created_at DESC, a.id DESC LIMIT $3`,
    onlyAgent ? [ctx.org.id, runId, RUN_TIMELINE_LIMIT + 1, onlyAgent] : [ctx.org.id, runId, RUN_TIMELINE_LIMIT + 1],
  );
  const decided = actions.rows.slice(0, RUN_TIMELINE_LIMIT);
  const actionIds = decided.filter((a) => a.asked).map((a) => a.id);
  const approvals = actionIds.length
    ? await pool.query<{
        id: string;
        action_id: string;
        status: "pending" | "approved" | "denied" | "expired" | "cancelled";
        created_at: Date;
        decided_at: Date | null;
        updated_at: Date;
      }>(`SELECT id, action_id, status, created_at, decided_at, updated_at FROM approvals WHERE org_id = $1 AND action_id = ANY($2::text[])`, [ctx.org.id, actionIds])
    : { rows: [] };
  const votes = approvals.rows.length
    ? await pool.query<{ approval_id: string; decision: "approve" | "deny"; reason: string | null; created_at: Date; member_id: string; email: string }>(
        `SELECT v.approval_id, v.decision, v.reason, v.created_at, m.id AS member_id, u.email
         FROM approval_votes v JOIN memberships m ON m.id = v.membership_id JOIN users u ON u.id = m.user_id
         WHERE v.org_id = $1 AND v.approval_id = ANY($2::text[]) ORDER BY v.created_at`,
        [ctx.org.id, approvals.rows.map((a) => a.id)],
      )
    : { rows: [] };

  const byAction = new Map(decided.map((a) => [a.id, a]));
  const timeline: RunTimelineItem[] = [];
  for (const a of decided) {
    // As decided then: an action that asked for an approval was `requested` (its row now says how the approval ended).
    timeline.push({
      type: "decision",
      at: a.created_at.toISOString(),
      auditEventId: a.audit_entry_id,
      agentId: a.agent_id,
      agentName: a.agent_name,
      actionType: a.action_type,
      status: a.asked ? "requested" : a.status,
      ...(a.denial_reason && !a.asked ? { denialReason: a.denial_reason } : {}),
      ...(a.policy_name ? { policyName: a.policy_name } : {}),
      message: a.message ?? "",
    });
  }
  for (const a of decided) {
    if (a.outcome_status && a.outcome_at) {
      timeline.push({
        type: "outcome",
        at: a.outcome_at.toISOString(),
        auditEventId: a.audit_entry_id,
        actionType: a.action_type,
        status: a.outcome_status,
        message: a.outcome_message,
        ...(a.spend
          ? {
              spend: {
                model: a.spend.model,
                tokens: a.spend.tokens,
                usd: a.spend.micros === null ? null : usdOf(a.spend.micros),
                ...(a.spend.estimated ? { estimated: true } : {}),
              },
            }
          : {}),
      });
    }
  }
  for (const p of approvals.rows) {
    const action = byAction.get(p.action_id);
    if (!action) continue;
    const at = p.status === "pending" ? p.created_at : (p.decided_at ?? p.updated_at);
    timeline.push({
      type: "approval",
      at: at.toISOString(),
      approvalId: p.id,
      auditEventId: action.audit_entry_id,
      actionType: action.action_type,
      status: p.status,
      votes: votes.rows
        .filter((v) => v.approval_id === p.id)
        .map((v) => ({ member: { id: v.member_id, email: v.email }, decision: v.decision, reason: v.reason, at: v.created_at.toISOString() })),
    });
  }
  if (row.ended_at) timeline.push({ type: "ended", at: row.ended_at.toISOString(), status: row.status as RunEndStatus });
  timeline.sort((x, y) => x.at.localeCompare(y.at) || RANK[x.type] - RANK[y.type]);
  return { run: runView(row, now), timeline, truncated: actions.rows.length > RUN_TIMELINE_LIMIT };
}

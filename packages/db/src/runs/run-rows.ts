import type { Run } from "@gatehouse/contracts";
import { runIdOf, runStatusOf, usdOf, validationError } from "@gatehouse/core";
import type { Actor, Ctx } from "../actors/context";
import { requirePermissionUnlessAgent } from "../actors/require-permission";
import { db } from "../infra/client";

/** A row of `runs` with its agent's name and its pending approvals, as RUN_COLUMNS selects it. */
export interface RunRow {
  id: string;
  key: string;
  name: string | null;
  agent_id: string;
  agent_name: string;
  root_agent_id: string;
  status: string;
  started_at: Date;
  last_activity_at: Date;
  ended_at: Date | null;
  decisions: number;
  executed: number;
  denied: number;
  requested: number;
  pending: number;
  spent_tokens: number;
  spent_micros: number;
}

/** The columns of a RunRow, over `runs r` (the pending approvals counted through the run's actions). */
export const RUN_COLUMNS = `r.id, r.key, r.name, r.agent_id, ag.name AS agent_name, r.root_agent_id, r.status, r.started_at, r.last_activity_at, r.ended_at,
  r.decisions, r.executed, r.denied, r.requested, r.spent_tokens::float8 AS spent_tokens, r.spent_micros::float8 AS spent_micros,
  (SELECT COUNT(*)::int FROM actions x JOIN approvals p ON p.action_id = x.id WHERE x.run_id = r.id AND p.status = 'pending') AS pending`;

export const RUN_FROM = `runs r JOIN agents ag ON ag.id = r.agent_id`;

/**
 * Which runs an agent's key sees (docs/runs.md): those rooted at it, those it started, and, for a
 * delegate, those it made a call in. `$n` is the agent's id.
 */
export const agentSeesRun = (n: number) => `(r.root_agent_id = $${n} OR r.agent_id = $${n} OR EXISTS (SELECT 1 FROM actions v WHERE v.run_id = r.id AND v.agent_id = $${n}))`;

export function runView(row: RunRow, now: number): Run {
  const status = runStatusOf({ status: row.status, lastActivityAt: row.last_activity_at, pendingApprovals: row.pending }, now);
  const end = row.ended_at ?? row.last_activity_at;
  return {
    id: row.id,
    runId: row.key,
    name: row.name,
    agentId: row.agent_id,
    agentName: row.agent_name,
    rootAgentId: row.root_agent_id,
    status,
    startedAt: row.started_at.toISOString(),
    lastActivityAt: row.last_activity_at.toISOString(),
    endedAt: row.ended_at?.toISOString() ?? null,
    durationMs: Math.max(0, end.getTime() - row.started_at.getTime()),
    decisions: { total: row.decisions, executed: row.executed, denied: row.denied, requested: row.requested },
    pendingApprovals: row.pending,
    spend: { tokens: row.spent_tokens, usd: usdOf(row.spent_micros) },
  };
}

/** Members need `agents.read`; an agent's key passes (and sees its own runs only). */
export function requireRunReader(ctx: Ctx): void {
  requirePermissionUnlessAgent(ctx, "agents.read");
}

/**
 * The server id a path names: a `run_…` id as it is, or for an agent's key the runId it chose, under
 * its root agent (so a delegate names its root's run by the same runId). A member's key must name the id.
 */
export function runIdFromPath(ctx: Ctx, id: string): string {
  if (id.startsWith("run_")) return id;
  const actor = ctx.actor;
  if (actor.type !== "agent") throw validationError([{ path: "id", message: "must be a run id (run_…); a runId names a run only for the agent that chose it" }]);
  return runIdOf(ctx.org.id, rootOf(actor), id);
}

export function rootOf(actor: Extract<Actor, { type: "agent" }>): string {
  return actor.delegation?.rootAgentId ?? actor.agentId;
}

/** One run of the org as `ctx` may see it, or null (another org's, or another agent's: the caller answers 404). */
export async function readRun(ctx: Ctx, runId: string): Promise<RunRow | null> {
  const agent = ctx.actor.type === "agent" ? ctx.actor.agentId : null;
  const { rows } = await db().pool.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM ${RUN_FROM} WHERE r.org_id = $1 AND r.id = $2${agent ? ` AND ${agentSeesRun(3)}` : ""}`,
    agent ? [ctx.org.id, runId, agent] : [ctx.org.id, runId],
  );
  return rows[0] ?? null;
}

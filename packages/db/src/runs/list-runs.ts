import { runListQuerySchema, type Run } from "@gatehouse/contracts";
import { RUN_END_STATUSES, RUN_IDLE_SECONDS, validationError, zodIssues } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { db } from "../infra/client";
import { agentSeesRun, requireRunReader, RUN_COLUMNS, RUN_FROM, runView, type RunRow } from "./run-rows";

/**
 * The org's runs (an agent's key: its own), the most recently active first, with keyset pagination
 * on (last activity, id): the cursor is where the previous page stopped.
 */
export async function listRuns({ ctx, input, now = Date.now() }: { ctx: Ctx; input: unknown; now?: number }): Promise<{ runs: Run[]; nextCursor: string | null }> {
  requireRunReader(ctx);
  const parsed = runListQuerySchema.safeParse(input ?? {});
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const { cursor, limit, agentId, status } = parsed.data;
  const values: unknown[] = [ctx.org.id];
  const bind = (value: unknown) => `$${values.push(value)}`;
  const where = [`r.org_id = $1`];
  if (ctx.actor.type === "agent") where.push(agentSeesRun(values.push(ctx.actor.agentId)));
  if (agentId) where.push(`(r.agent_id = ${bind(agentId)} OR r.root_agent_id = $${values.length})`);
  if (cursor) {
    const [ms, id] = cursor.split(".") as [string, string];
    where.push(`(r.last_activity_at, r.id) < (${bind(new Date(Number(ms)))}::timestamptz, ${bind(id)})`);
  }
  // The statuses read from time and pending approvals (runStatusOf), as SQL.
  const idleSince = new Date(now - RUN_IDLE_SECONDS * 1000);
  const pending = `EXISTS (SELECT 1 FROM actions x JOIN approvals p ON p.action_id = x.id WHERE x.run_id = r.id AND p.status = 'pending')`;
  if (status && (RUN_END_STATUSES as readonly string[]).includes(status)) where.push(`r.status = ${bind(status)}`);
  else if (status === "waiting") where.push(`r.status = 'running' AND ${pending}`);
  else if (status === "idle") where.push(`r.status = 'running' AND NOT ${pending} AND r.last_activity_at <= ${bind(idleSince)}`);
  else if (status === "running") where.push(`r.status = 'running' AND NOT ${pending} AND r.last_activity_at > ${bind(idleSince)}`);
  const { rows } = await db().pool.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM ${RUN_FROM} WHERE ${where.join(" AND ")} ORDER BY r.last_activity_at DESC, r.id DESC LIMIT ${bind(limit + 1)}`,
    values,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    runs: page.map((row) => runView(row, now)),
    nextCursor: rows.length > limit && last ? `${last.last_activity_at.getTime()}.${last.id}` : null,
  };
}

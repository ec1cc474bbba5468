import type { z } from "zod";
import { budgetListQuerySchema, type budgetListSchema } from "@gatehouse/contracts";
import { orgBudgets, usdOf, validationError, zodIssues } from "@gatehouse/core";
import { orgSettingsSnapshot } from "../snapshots/settings-snapshot";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { db } from "../infra/client";
import { getOrgPolicies } from "../snapshots/policy-cache";

/** How far back the list reaches: two months covers this month's and last month's counts. */
const LOOKBACK_DAYS = 62;

/** The org's budget counts, the most recently touched first, each with the limit its policy states now (docs/budgets.md). */
export async function listBudgets({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<z.output<typeof budgetListSchema>> {
  requirePermission(ctx, "posture.read");
  const parsed = budgetListQuerySchema.safeParse(input ?? {});
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const [rows, policies] = await Promise.all([
    db().pool.query<{
      name: string;
      policy: string;
      per: string;
      period: string;
      subject: string | null;
      agent_name: string | null;
      model: string | null;
      st: number;
      sm: number;
      rt: number;
      rm: number;
      updated_at: Date;
    }>(
      `SELECT c.name, c.policy, c.per, c.period, c.subject, a.name AS agent_name, c.model, c.spent_tokens::float8 AS st, c.spent_micros::float8 AS sm,
              c.reserved_tokens::float8 AS rt, c.reserved_micros::float8 AS rm, c.updated_at
       FROM budget_counters c LEFT JOIN agents a ON c.per = 'agent-day' AND a.id = c.subject AND a.org_id = c.org_id
       WHERE c.org_id = $1 AND c.updated_at > now() - make_interval(days => $2)
       ORDER BY c.updated_at DESC, c.key LIMIT $3`,
      [ctx.org.id, LOOKBACK_DAYS, parsed.data.limit],
    ),
    getOrgPolicies(ctx.org.id),
  ]);
  const limits = new Map([
    ...policies.set.policies.flatMap((p) => (p.budget ? [[p.name, p.budget.limit] as const] : [])),
    ...orgBudgets(await orgSettingsSnapshot(ctx.org.id)).map((b) => [`settings:${b.name}`, b.limit] as const),
  ]);
  return {
    budgets: rows.rows.map((r) => {
      const limit = limits.get(r.policy);
      return {
        name: r.name,
        policy: r.policy,
        per: r.per,
        period: r.period,
        agentId: r.per === "agent-day" ? r.subject : null,
        agentName: r.per === "agent-day" ? r.agent_name : null,
        runId: r.per === "run" ? r.subject : null,
        model: r.model,
        limit: limit ? { ...(limit.tokens === undefined ? {} : { tokens: limit.tokens }), ...(limit.usd === undefined ? {} : { usd: limit.usd }) } : null,
        spent: { tokens: r.st, usd: usdOf(r.sm) },
        reserved: { tokens: r.rt, usd: usdOf(r.rm) },
        updatedAt: r.updated_at.toISOString(),
      };
    }),
  };
}

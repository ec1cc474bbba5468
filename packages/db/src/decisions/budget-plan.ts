import { checkBudgets, EMPTY_COUNTER, type BudgetCounter, type BudgetPlan, type BudgetVerdict } from "@gatehouse/core";
import { db } from "../infra/client";

/** canI's look at the budgets: the counters as committed now (one read), nothing reserved. */
export async function peekBudgets(orgId: string, plan: BudgetPlan): Promise<BudgetVerdict> {
  const rows = await db().pool.query<{ key: string; st: number; sm: number; rt: number; rm: number }>(
    `SELECT key, spent_tokens::float8 AS st, spent_micros::float8 AS sm, reserved_tokens::float8 AS rt, reserved_micros::float8 AS rm FROM budget_counters WHERE org_id = $1 AND key = ANY($2::text[])`,
    [orgId, plan.scopes.map((s) => s.key)],
  );
  const counters = new Map<string, BudgetCounter>(rows.rows.map((r) => [r.key, { spentTokens: r.st, spentMicros: r.sm, reservedTokens: r.rt, reservedMicros: r.rm }]));
  return checkBudgets(plan.scopes, (key) => counters.get(key) ?? EMPTY_COUNTER, plan.cost);
}

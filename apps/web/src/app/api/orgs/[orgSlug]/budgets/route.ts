import { budgetListQuerySchema } from "@gatehouse/contracts";
import { listBudgets } from "@gatehouse/db";
import type { BudgetList } from "@/lib/spend";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/budgets?limit= → BudgetList: each budget's count for its period, the most recently touched first.
// Session (401), membership (another org is 404), posture.read (every role), then the query (400).
export const GET = memberRoute({ what: "read budgets", permission: "posture.read", query: budgetListQuerySchema }, async ({ ctx, query, requestId }) => {
  const list: BudgetList = await listBudgets({ ctx, input: query });
  return jsonResponse(list, requestId);
});

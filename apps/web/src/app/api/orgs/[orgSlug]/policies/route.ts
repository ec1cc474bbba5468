import { listPolicySummaries } from "@gatehouse/db";
import type { PolicySummaryList } from "@/lib/policies";
import { budgetText, whenText } from "@/lib/policy-text";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/policies → the active policies with their version, last change, decisions
// in the last 7 days, and what their `when` and `budget` say in one line each. Session (401), membership (another org is 404); every member reads policies (as
// GET /v1/admin/policies: any member's key).
export const GET = memberRoute({ what: "read policies" }, async ({ ctx, requestId }) => {
  const list: PolicySummaryList = {
    policies: (await listPolicySummaries({ ctx })).map(({ document, ...summary }) => {
      const when = whenText(document.when);
      const budget = budgetText(document.budget);
      return { ...summary, ...(document.description ? { description: document.description } : {}), ...(when ? { when } : {}), ...(budget ? { budget } : {}) };
    }),
  };
  return jsonResponse(list, requestId);
});

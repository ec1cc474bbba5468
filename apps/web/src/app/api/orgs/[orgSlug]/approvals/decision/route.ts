import { z } from "zod";
import { decideApprovals } from "@gatehouse/db";
import type { BulkDecisionResult } from "@/lib/approvals";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// POST /api/orgs/[orgSlug]/approvals/decision { approvalIds: [...], decision: "approve"|"deny", reason? } →
// { results: [{ approvalId, status } | { approvalId, error: { code, message } }] }, in the order asked:
// the inbox's "Approve selected" / "Deny selected". The same service as the API's
// `POST /v1/admin/approvals/decision`, so every rule (eligibility, separation of duties, one vote per
// member, decided or expired approvals) is the one-approval route's, answered per approval. Session
// (401), membership (another org is 404), a JSON body, then the service: the body (400 naming the
// field, at most 1000 ids). When no approval was voted on and every refusal is the same (only other
// orgs' or unknown ids: 404; a role no approval accepts: 403), the answer is that refusal, as the
// one-approval route would give it; nothing is written either way.
export const POST = memberRoute({ what: "decide approvals", body: z.unknown() }, async ({ ctx, body, requestId }) => {
  const outcomes = await decideApprovals({ ctx, input: body });
  const refusals = outcomes.flatMap((o) => ("error" in o ? [o.error] : []));
  const [first] = refusals;
  if (first && refusals.length === outcomes.length && refusals.every((e) => e.code === first.code) && (first.code === "NOT_FOUND" || first.code === "FORBIDDEN")) {
    throw first;
  }
  const result: BulkDecisionResult = {
    results: outcomes.map((o) =>
      "error" in o ? { approvalId: o.approvalId, error: { code: o.error.code, message: o.error.message } } : { approvalId: o.approvalId, status: o.status },
    ),
  };
  return jsonResponse(result, requestId);
});

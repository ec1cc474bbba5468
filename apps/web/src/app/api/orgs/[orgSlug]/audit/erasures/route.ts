import { auditErasureBodySchema, type AuditErasureOutcome } from "@gatehouse/contracts";
import { eraseAuditFields } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// POST /api/orgs/[orgSlug]/audit/erasures { entryIds: ["aud_…", …] } | { subject }, with { reason } → 200 AuditErasure
// { status: "erased", erasureEntryId, erasureSeq, entries, fields }: the values of committed fields removed from the log
// and the console's copies, recorded as an `audit.erased` entry; the log stays verifiable (docs/adr/0023-erasure.md).
// While the two-admin rule is in force, 202 { status: "pending_approval", approvalId, entries, fields }: nothing is
// erased until another owner or admin approves it. At most 1,000 entries, a subject of at least 6 characters (400).
// Session (401), membership (another org is 404), audit.erase — owners only — (403, before the body is read),
// the body (400 naming the field; an entry of the first format is a 400 naming it), another org's entry id 404.
// Only JSON is read, so a cross-site form cannot send it (and the console's edge refuses cross-site writes first).
export const POST = memberRoute({ what: "erase personal data from the audit log", permission: "audit.erase", body: auditErasureBodySchema }, async ({ ctx, body, requestId }) => {
  const outcome: AuditErasureOutcome = await eraseAuditFields({ ctx, input: body });
  return jsonResponse(outcome, requestId, outcome.status === "pending_approval" ? 202 : 200);
});

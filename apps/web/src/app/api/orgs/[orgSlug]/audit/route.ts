import { listAuditEntries } from "@gatehouse/db";
import { auditListQuerySchema } from "@gatehouse/contracts";
import type { AuditPage } from "@/lib/audit";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/audit?cursor=&limit=&type=&agentId= → AuditPage, newest first.
// Session first (401), then membership (another org is 404), then the query (400).
export const GET = memberRoute({ what: "read the audit log", query: auditListQuerySchema, replicaReads: true }, async ({ ctx, query, requestId }) => {
  const page: AuditPage = await listAuditEntries({ ctx, input: query });
  return jsonResponse(page, requestId);
});

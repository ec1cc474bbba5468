import { exportQuerySchema } from "@gatehouse/contracts";
import { exportAuditLog, recordAuditReview } from "@gatehouse/db";
import { memberRoute } from "@/server/member-route";
import { downloadResponse } from "@/server/stream";

export const dynamic = "force-dynamic";

// GET /api/orgs/[orgSlug]/audit/export?format=jsonl|csv&from=&to=&agentId=&type=&sinceSize= → the log
// as a download: a JSON Lines bundle anyone can verify offline with the org's public key, or CSV.
// Session (401), membership (another org is 404), then the service: the query (400 naming the field).
export const GET = memberRoute({ what: "export the audit log", query: exportQuerySchema }, async ({ ctx, query, requestId }) => {
  const bundle = await exportAuditLog({ ctx, input: query });
  await recordAuditReview({ ctx, input: { kind: "export" } });
  return downloadResponse(requestId, {
    contentType: bundle.contentType,
    filename: bundle.filename,
    chunks: bundle.chunks,
    headers: { "x-gatehouse-tree-size": String(bundle.treeSize) },
  });
});

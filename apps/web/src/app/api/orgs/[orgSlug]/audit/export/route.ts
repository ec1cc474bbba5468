import { exportQuerySchema } from "@gatehouse/contracts";
import type { NextRequest } from "next/server";
import { exportAuditLog, recordAuditReview } from "@gatehouse/db";
import { checkedParams, parseInput, queryInput } from "@/server/http";
import { withMember } from "@/server/member-route";
import { downloadResponse } from "@/server/stream";

export const dynamic = "force-dynamic";

// GET /api/orgs/[orgSlug]/audit/export?format=jsonl|csv&from=&to=&agentId=&type=&sinceSize= → the log
// as a download: a JSON Lines bundle anyone can verify offline with the org's public key, or CSV.
// Session (401), membership (another org is 404), then the service: the query (400 naming the field).
export async function GET(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "export the audit log", async (ctx, _params, requestId) => {
    const bundle = await exportAuditLog({ ctx, input: parseInput(exportQuerySchema, queryInput(request)) });
    await recordAuditReview({ ctx, input: { kind: "export" } });
    return downloadResponse(requestId, {
      contentType: bundle.contentType,
      filename: bundle.filename,
      chunks: bundle.chunks,
      headers: { "x-gatehouse-tree-size": String(bundle.treeSize) },
    });
  });
}

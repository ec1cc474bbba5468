import type { NextRequest } from "next/server";
import { recordAuditReview, requirePermission, verifyAuditLog } from "@gatehouse/db";
import type { VerifyLine } from "@/lib/audit";
import { checkedParams } from "@/server/http";
import { withMember } from "@/server/member-route";
import { jsonLinesResponse } from "@/server/stream";

export const dynamic = "force-dynamic";

// POST /api/orgs/[orgSlug]/audit/verify → JSON Lines: `{ type: "progress", checked, total }` while the
// service recomputes the whole log (leaf hashes, hash chain, Merkle tree, every signed checkpoint),
// then `{ type: "result", result }`, or `{ type: "error", status, error }` if it failed part-way.
// Session (401), membership (another org is 404) and the permission (audit.verify, 403) answer JSON before the stream.
export async function POST(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "verify the audit log", async (ctx, _params, requestId) => {
    requirePermission(ctx, "audit.verify");
    return jsonLinesResponse<VerifyLine>(requestId, async (send) => {
      const result = await verifyAuditLog({ ctx, onProgress: (checked, total) => send({ type: "progress", checked, total }) });
      await recordAuditReview({ ctx, input: { kind: "verify", valid: result.valid } });
      send({ type: "result", result });
    });
  });
}

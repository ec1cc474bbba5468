import { recordAuditReview, verifyAuditLog } from "@gatehouse/db";
import type { VerifyLine } from "@/lib/audit";
import { memberRoute } from "@/server/member-route";
import { jsonLinesResponse } from "@/server/stream";

export const dynamic = "force-dynamic";

// POST /api/orgs/[orgSlug]/audit/verify → JSON Lines: `{ type: "progress", checked, total }` while the
// service recomputes the whole log (leaf hashes, hash chain, Merkle tree, every signed checkpoint),
// then `{ type: "result", result }`, or `{ type: "error", status, error }` if it failed part-way.
// Session (401), membership (another org is 404) and the permission (audit.verify, 403) answer JSON before the stream.
export const POST = memberRoute({ what: "verify the audit log", permission: "audit.verify" }, async ({ ctx, requestId }) => {
  return jsonLinesResponse<VerifyLine>(requestId, async (send) => {
    const result = await verifyAuditLog({ ctx, onProgress: (checked, total) => send({ type: "progress", checked, total }) });
    await recordAuditReview({ ctx, input: { kind: "verify", valid: result.valid } });
    send({ type: "result", result });
  });
});

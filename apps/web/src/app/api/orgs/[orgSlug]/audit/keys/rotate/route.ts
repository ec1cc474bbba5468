import { rotateSigningKey } from "@gatehouse/db";
import type { RotatedKeys } from "@/lib/audit";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// POST /api/orgs/[orgSlug]/audit/keys/rotate (no body: one is refused, 400 naming `body`) → RotatedKeys:
// the active key is retired, a new one signs a checkpoint at once. Session (401), membership (another
// org is 404), then the service: owner or admin only (403).
export const POST = memberRoute({ what: "rotate the audit signing key" }, async ({ ctx, requestId }) => {
  const rotated: RotatedKeys = await rotateSigningKey({ ctx });
  return jsonResponse(rotated, requestId);
});

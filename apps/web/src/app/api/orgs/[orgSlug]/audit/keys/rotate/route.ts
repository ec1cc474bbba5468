import { z } from "zod";
import { rotateSigningKey } from "@gatehouse/db";
import type { RotatedKeys } from "@/lib/audit";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// POST /api/orgs/[orgSlug]/audit/keys/rotate (JSON body, may be {}) → RotatedKeys: the active key is
// retired, a new one signs a checkpoint at once. Session (401), membership (another org is 404), then
// the service: owner or admin only (403). Only JSON is accepted, so a cross-site form cannot send it
// without a CORS preflight.
export const POST = memberRoute({ what: "rotate the audit signing key", body: z.unknown() }, async ({ ctx, requestId }) => {
  const rotated: RotatedKeys = await rotateSigningKey({ ctx });
  return jsonResponse(rotated, requestId);
});

import type { NextRequest } from "next/server";
import { rotateSigningKey } from "@gatehouse/db";
import type { RotatedKeys } from "@/lib/audit";
import { checkedParams, errorResponse, jsonResponse } from "@/server/http";
import { withMember } from "@/server/member-route";

// POST /api/orgs/[orgSlug]/audit/keys/rotate (JSON body, may be {}) → RotatedKeys: the active key is
// retired, a new one signs a checkpoint at once. Session (401), membership (another org is 404), then
// the service: owner or admin only (403). Only JSON is accepted, so a cross-site form cannot send it
// without a CORS preflight.
export async function POST(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "rotate the audit signing key", async (ctx, _params, requestId) => {
    if (!request.headers.get("content-type")?.toLowerCase().startsWith("application/json")) {
      return errorResponse("VALIDATION", "Send the request as application/json.", requestId);
    }
    const rotated: RotatedKeys = await rotateSigningKey({ ctx });
    return jsonResponse(rotated, requestId);
  });
}

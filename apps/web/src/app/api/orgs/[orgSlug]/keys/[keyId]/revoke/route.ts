import type { NextRequest } from "next/server";
import { requirePermission, revokeApiKey } from "@gatehouse/db";
import type { RevokedKey } from "@/lib/agents";
import { checkedParams, jsonResponse } from "@/server/http";
import { readJsonBody } from "@/server/json-body";
import { withMember } from "@/server/member-route";

// POST /api/orgs/[orgSlug]/keys/[keyId]/revoke (JSON body, may be {}) → RevokedKey: an agent's key or a
// member's admin key stops working at its next request. Session (401), membership (another org is
// 404), keys.own (403), and without keys.manage one's own admin keys only (403); a member's admin key only from a role ranking at least as high (403);
// another org's key is 404. Revoking twice is a no-op.
export async function POST(request: NextRequest, { params }: { params: Promise<{ orgSlug: string; keyId: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params, { keyId: "apiKey" }), "revoke keys", async (ctx, { keyId }, requestId) => {
    requirePermission(ctx, "keys.own");
    await readJsonBody(request);
    const revoked: RevokedKey = await revokeApiKey({ ctx, input: { keyId } });
    return jsonResponse(revoked, requestId);
  });
}

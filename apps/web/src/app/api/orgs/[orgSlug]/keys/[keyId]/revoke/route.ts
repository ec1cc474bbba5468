import { revokeApiKey } from "@gatehouse/db";
import type { RevokedKey } from "@/lib/agents";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// POST /api/orgs/[orgSlug]/keys/[keyId]/revoke (no body) → RevokedKey: an agent's key or a
// member's admin key stops working at its next request. Session (401), membership (another org is
// 404), keys.own (403), and without keys.manage one's own admin keys only (403); a member's admin key only from a role ranking at least as high (403);
// another org's key is 404. Revoking twice is a no-op.
export const POST = memberRoute({ what: "revoke keys", params: { keyId: "apiKey" }, permission: "keys.own" }, async ({ ctx, params: { keyId }, requestId }) => {
  const revoked: RevokedKey = await revokeApiKey({ ctx, input: { keyId } });
  return jsonResponse(revoked, requestId);
});

import { verifySsoDomainBodySchema, type SsoDomainClaim } from "@gatehouse/contracts";
import { verifySsoDomain } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// POST /api/orgs/[orgSlug]/settings/sso-domains/verify { domain } → SsoDomainClaim: looks up the DNS TXT
// record `_gatehouse-challenge.<domain>` (node:dns/promises) and routes the domain to the org when it
// carries the org's value. Session (401), membership (another org is 404), settings.write (403), the
// body (400 naming `domain`), a domain not claimed 404, no or a wrong record or another org's proof 409
// naming `domain`.
export const POST = memberRoute({ what: "verify a domain", permission: "settings.write", body: verifySsoDomainBodySchema }, async ({ ctx, body, requestId }) => {
  const claim: SsoDomainClaim = await verifySsoDomain({ ctx, input: body });
  return jsonResponse(claim, requestId);
});

import { verifySsoDomainBodySchema, type SsoDomainClaim } from "@gatehouse/contracts";
import type { NextRequest } from "next/server";
import { verifySsoDomain } from "@gatehouse/db";
import { jsonBody, requireMemberPermission } from "@/server/admin-input";
import { checkedParams, jsonResponse, parseInput } from "@/server/http";
import { withMember } from "@/server/member-route";

// POST /api/orgs/[orgSlug]/settings/sso-domains/verify { domain } → SsoDomainClaim: looks up the DNS TXT
// record `_gatehouse-challenge.<domain>` (node:dns/promises) and routes the domain to the org when it
// carries the org's value. Session (401), membership (another org is 404), settings.write (403), the
// body (400 naming `domain`), a domain not claimed 404, no or a wrong record or another org's proof 409
// naming `domain`.
export async function POST(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "verify a domain", async (ctx, _params, requestId) => {
    requireMemberPermission(ctx, "settings.write");
    const body = parseInput(verifySsoDomainBodySchema, await jsonBody(request));
    const claim: SsoDomainClaim = await verifySsoDomain({ ctx, input: body });
    return jsonResponse(claim, requestId);
  });
}

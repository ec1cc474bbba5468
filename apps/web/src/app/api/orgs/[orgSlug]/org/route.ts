import { updateOrgBodySchema, type OrgView } from "@gatehouse/contracts";
import type { NextRequest } from "next/server";
import { updateOrg } from "@gatehouse/db";
import { jsonBody, requireMemberPermission } from "@/server/admin-input";
import { checkedParams, jsonResponse, parseInput } from "@/server/http";
import { withMember } from "@/server/member-route";

// PATCH /api/orgs/[orgSlug]/org { name?, slug? } → the Org. Session (401), membership (another org is
// 404), org.write (403), the body (400 naming the field), a slug another org has 409 naming `slug`.
// The console's URLs carry the slug: the page moves to the new one.
export async function PATCH(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "change the organization", async (ctx, _params, requestId) => {
    requireMemberPermission(ctx, "org.write");
    const body = parseInput(updateOrgBodySchema, await jsonBody(request));
    const org: OrgView = await updateOrg({ ctx, input: body });
    return jsonResponse(org, requestId);
  });
}

import { closeOrgBodySchema, type ClosedOrg } from "@gatehouse/contracts";
import type { NextRequest } from "next/server";
import { closeOrg } from "@gatehouse/db";
import { jsonBody, requireMemberPermission } from "@/server/admin-input";
import { checkedParams, jsonResponse, parseInput } from "@/server/http";
import { withMember } from "@/server/member-route";

// POST /api/orgs/[orgSlug]/org/close { confirm: <the org's slug> } → ClosedOrg. Session (401),
// membership (another org is 404), org.close (403: owners only), the body (400 naming `confirm`),
// an org already closed 409. Afterwards only owners reach the org, read-only.
export async function POST(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "close the organization", async (ctx, _params, requestId) => {
    requireMemberPermission(ctx, "org.close");
    const body = parseInput(closeOrgBodySchema, await jsonBody(request));
    const closed: ClosedOrg = await closeOrg({ ctx, input: body });
    return jsonResponse(closed, requestId);
  });
}

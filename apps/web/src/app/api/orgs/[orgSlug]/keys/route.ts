import { issueAdminKeyBodySchema } from "@gatehouse/contracts";
import type { NextRequest } from "next/server";
import { issueOwnAdminKey, listAdminKeys, requirePermission } from "@gatehouse/db";
import type { AdminKeyList, IssuedAdminKey } from "@/lib/agents";
import { checkedParams, jsonResponse, parseInput } from "@/server/http";
import { readJsonBody } from "@/server/json-body";
import { withMember } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/keys → AdminKeyList: the member's own admin keys and those of members whose
// role theirs ranks at least as high as (an owner sees everyone's). Session (401), membership
// (another org is 404), keys.manage or, for one's own keys only, keys.own (403).
export async function GET(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "list admin keys", async (ctx, _params, requestId) => {
    const list: AdminKeyList = { keys: await listAdminKeys({ ctx }) };
    return jsonResponse(list, requestId);
  });
}

// POST /api/orgs/[orgSlug]/keys { name?, expiresInDays? } → IssuedAdminKey: a personal admin key of the
// signed-in member, shown once; it acts with their role at the time of each call. Session (401),
// membership (404), keys.own (403; approvers and auditors hold it), then the JSON body (400 naming the field).
export async function POST(request: NextRequest, { params }: { params: Promise<{ orgSlug: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params), "issue admin keys", async (ctx, _params, requestId) => {
    requirePermission(ctx, "keys.own");
    const body = parseInput(issueAdminKeyBodySchema, await readJsonBody(request));
    // The same service as the API's POST /v1/admin/keys: the key is the signed-in member's own.
    const issued: IssuedAdminKey = await issueOwnAdminKey({ ctx, input: { body } });
    return jsonResponse(issued, requestId);
  });
}

import { issueAdminKeyBodySchema } from "@gatehouse/contracts";
import { issueOwnAdminKey, listAdminKeys } from "@gatehouse/db";
import type { AdminKeyList, IssuedAdminKey } from "@/lib/agents";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/keys → AdminKeyList: the member's own admin keys and those of members whose
// role theirs ranks at least as high as (an owner sees everyone's). Session (401), membership
// (another org is 404), keys.manage or, for one's own keys only, keys.own (403).
export const GET = memberRoute({ what: "list admin keys", replicaReads: true }, async ({ ctx, requestId }) => {
  const list: AdminKeyList = { keys: await listAdminKeys({ ctx }) };
  return jsonResponse(list, requestId);
});

// POST /api/orgs/[orgSlug]/keys { name?, expiresInDays? } → IssuedAdminKey: a personal admin key of the
// signed-in member, shown once; it acts with their role at the time of each call. Session (401),
// membership (404), keys.own (403; approvers and auditors hold it), then the JSON body (400 naming the field).
export const POST = memberRoute({ what: "issue admin keys", permission: "keys.own", body: issueAdminKeyBodySchema }, async ({ ctx, body, requestId }) => {
  // The same service as the API's POST /v1/admin/keys: the key is the signed-in member's own.
  const issued: IssuedAdminKey = await issueOwnAdminKey({ ctx, input: { body } });
  return jsonResponse(issued, requestId);
});

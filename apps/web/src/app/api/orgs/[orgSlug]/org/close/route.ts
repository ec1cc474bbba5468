import { closeOrgBodySchema, type ClosedOrg } from "@gatehouse/contracts";
import { closeOrg } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// POST /api/orgs/[orgSlug]/org/close { confirm: <the org's slug> } → ClosedOrg. Session (401),
// membership (another org is 404), org.close (403: owners only), the body (400 naming `confirm`),
// an org already closed 409. Afterwards only owners reach the org, read-only.
export const POST = memberRoute({ what: "close the organization", permission: "org.close", body: closeOrgBodySchema }, async ({ ctx, body, requestId }) => {
  const closed: ClosedOrg = await closeOrg({ ctx, input: body });
  return jsonResponse(closed, requestId);
});

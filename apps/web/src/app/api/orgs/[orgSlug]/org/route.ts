import { updateOrgBodySchema, type OrgView } from "@gatehouse/contracts";
import { updateOrg } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// PATCH /api/orgs/[orgSlug]/org { name?, slug? } → the Org. Session (401), membership (another org is
// 404), org.write (403), the body (400 naming the field), a slug another org has 409 naming `slug`.
// The console's URLs carry the slug: the page moves to the new one.
export const PATCH = memberRoute({ what: "change the organization", permission: "org.write", body: updateOrgBodySchema }, async ({ ctx, body, requestId }) => {
  const org: OrgView = await updateOrg({ ctx, input: body });
  return jsonResponse(org, requestId);
});

import { revokeGrant } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// DELETE /api/orgs/[orgSlug]/grants/[grantId] → the revoked grant: the granter, or an owner or admin (else 403); another org's is 404.
export const DELETE = memberRoute({ what: "revoke standing grants", params: { grantId: "grant" }, permission: "approvals.read" }, async ({ ctx, params: { grantId }, requestId }) =>
  jsonResponse(await revokeGrant({ ctx, input: { grantId } }), requestId),
);

import { grantListQuerySchema } from "@gatehouse/contracts";
import { listGrants } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/grants?status=active|all → { grants }, newest first. approvals.read (403).
export const GET = memberRoute({ what: "read standing grants", permission: "approvals.read", query: grantListQuerySchema }, async ({ ctx, query, requestId }) =>
  jsonResponse(await listGrants({ ctx, input: { status: query.status } }), requestId),
);

import type { RemovedMember } from "@gatehouse/contracts";
import { leaveOrg } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// POST /api/orgs/[orgSlug]/members/leave → RemovedMember: the signed-in member leaves the org. Session
// (401), membership (another org is 404); every member may leave except the last owner (409).
export const POST = memberRoute({ what: "leave the organization" }, async ({ ctx, requestId }) => {
  const removed: RemovedMember = await leaveOrg({ ctx });
  return jsonResponse(removed, requestId);
});

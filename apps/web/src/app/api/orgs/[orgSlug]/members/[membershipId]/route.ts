import { updateMemberBodySchema, type MemberView, type RemovedMember } from "@gatehouse/contracts";
import { changeMemberRole, removeMember } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// PATCH /api/orgs/[orgSlug]/members/[membershipId] { role } → the Member. Session (401), membership
// (another org, or another org's member, is 404), members.manage (403), the body (400 naming the
// field), then the service: above the caller's rank 403, the last owner 409.
export const PATCH = memberRoute(
  { what: "change a member's role", params: { membershipId: "membership" }, permission: "members.manage", body: updateMemberBodySchema },
  async ({ ctx, body, params: { membershipId }, requestId }) => {
    const member: MemberView = await changeMemberRole({ ctx, input: { membershipId, body } });
    return jsonResponse(member, requestId);
  },
);

// DELETE /api/orgs/[orgSlug]/members/[membershipId] → RemovedMember (their admin keys revoked). As PATCH;
// removing oneself is leaving, the last owner cannot be removed (409).
export const DELETE = memberRoute(
  { what: "remove a member", params: { membershipId: "membership" }, permission: "members.manage" },
  async ({ ctx, params: { membershipId }, requestId }) => {
    const removed: RemovedMember = await removeMember({ ctx, input: { membershipId } });
    return jsonResponse(removed, requestId);
  },
);

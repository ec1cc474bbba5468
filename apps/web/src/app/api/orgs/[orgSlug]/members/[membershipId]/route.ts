import { updateMemberBodySchema, type MemberView, type RemovedMember } from "@gatehouse/contracts";
import type { NextRequest } from "next/server";
import { changeMemberRole, removeMember } from "@gatehouse/db";
import { jsonBody, requireMemberPermission } from "@/server/admin-input";
import { checkedParams, jsonResponse, parseInput } from "@/server/http";
import { withMember } from "@/server/member-route";

type Params = Promise<{ orgSlug: string; membershipId: string }>;

// PATCH /api/orgs/[orgSlug]/members/[membershipId] { role } → the Member. Session (401), membership
// (another org, or another org's member, is 404), members.manage (403), the body (400 naming the
// field), then the service: above the caller's rank 403, the last owner 409.
export async function PATCH(request: NextRequest, { params }: { params: Params }): Promise<Response> {
  return withMember(request, checkedParams(params, { membershipId: "membership" }), "change a member's role", async (ctx, { membershipId }, requestId) => {
    requireMemberPermission(ctx, "members.manage");
    const body = parseInput(updateMemberBodySchema, await jsonBody(request));
    const member: MemberView = await changeMemberRole({ ctx, input: { membershipId, body } });
    return jsonResponse(member, requestId);
  });
}

// DELETE /api/orgs/[orgSlug]/members/[membershipId] → RemovedMember (their admin keys revoked). As PATCH;
// removing oneself is leaving, the last owner cannot be removed (409).
export async function DELETE(request: NextRequest, { params }: { params: Params }): Promise<Response> {
  return withMember(request, checkedParams(params, { membershipId: "membership" }), "remove a member", async (ctx, { membershipId }, requestId) => {
    requireMemberPermission(ctx, "members.manage");
    const removed: RemovedMember = await removeMember({ ctx, input: { membershipId } });
    return jsonResponse(removed, requestId);
  });
}

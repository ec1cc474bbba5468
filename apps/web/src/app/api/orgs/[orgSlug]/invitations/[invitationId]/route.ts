import type { InvitationView } from "@gatehouse/contracts";
import type { NextRequest } from "next/server";
import { revokeInvitation } from "@gatehouse/db";
import { requireMemberPermission } from "@/server/admin-input";
import { checkedParams, jsonResponse } from "@/server/http";
import { withMember } from "@/server/member-route";

// DELETE /api/orgs/[orgSlug]/invitations/[invitationId] → the revoked Invitation. Session (401),
// membership (another org, or another org's invitation, is 404), members.manage (403); an accepted
// invitation is a 409.
export async function DELETE(request: NextRequest, { params }: { params: Promise<{ orgSlug: string; invitationId: string }> }): Promise<Response> {
  return withMember(request, checkedParams(params, { invitationId: "invitation" }), "revoke invitations", async (ctx, { invitationId }, requestId) => {
    requireMemberPermission(ctx, "members.manage");
    const revoked: InvitationView = await revokeInvitation({ ctx, input: { invitationId } });
    return jsonResponse(revoked, requestId);
  });
}

import type { InvitationView } from "@gatehouse/contracts";
import { revokeInvitation } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// DELETE /api/orgs/[orgSlug]/invitations/[invitationId] → the revoked Invitation. Session (401),
// membership (another org, or another org's invitation, is 404), members.manage (403); an accepted
// invitation is a 409.
export const DELETE = memberRoute(
  { what: "revoke invitations", params: { invitationId: "invitation" }, permission: "members.manage" },
  async ({ ctx, params: { invitationId }, requestId }) => {
    const revoked: InvitationView = await revokeInvitation({ ctx, input: { invitationId } });
    return jsonResponse(revoked, requestId);
  },
);

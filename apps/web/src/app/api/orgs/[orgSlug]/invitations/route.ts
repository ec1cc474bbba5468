import { createInvitationBodySchema, type CreatedInvitation, type InvitationView } from "@gatehouse/contracts";
import { createInvitation, listInvitations } from "@gatehouse/db";
import { jsonResponse } from "@/server/http";
import { memberRoute } from "@/server/member-route";

// GET /api/orgs/[orgSlug]/invitations → { invitations }: the pending ones, newest first. Session (401),
// membership (another org is 404), members.read (403).
export const GET = memberRoute({ what: "list invitations", replicaReads: true }, async ({ ctx, requestId }) => {
  const invitations: InvitationView[] = await listInvitations({ ctx });
  return jsonResponse({ invitations }, requestId);
});

// POST /api/orgs/[orgSlug]/invitations { email, role } → CreatedInvitation ({ invitation, emailSent }):
// the accept link is emailed to the invitee only, never answered. Session (401), membership (404), members.manage (403), the body (400 naming the
// field), then the service: a role above the caller's 403, a member or a pending invitation 409.
export const POST = memberRoute({ what: "invite members", permission: "members.manage", body: createInvitationBodySchema }, async ({ ctx, body, requestId }) => {
  // The emailed link starts with GATEHOUSE_CONSOLE_URL, as every mailed link does; never with this request's Host.
  const created: CreatedInvitation = await createInvitation({ ctx, input: { body } });
  return jsonResponse(created, requestId);
});

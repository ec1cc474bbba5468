import { createInvitationBodySchema, type CreatedInvitation, type InvitationView } from "@gatehouse/contracts";
import type { NextRequest } from "next/server";
import { createInvitation, listInvitations } from "@gatehouse/db";
import { jsonBody, requireMemberPermission } from "@/server/admin-input";
import { checkedParams, jsonResponse, parseInput } from "@/server/http";
import { withMember } from "@/server/member-route";

type Params = Promise<{ orgSlug: string }>;

// GET /api/orgs/[orgSlug]/invitations → { invitations }: the pending ones, newest first. Session (401),
// membership (another org is 404), members.read (403).
export async function GET(request: NextRequest, { params }: { params: Params }): Promise<Response> {
  return withMember(request, checkedParams(params), "list invitations", async (ctx, _params, requestId) => {
    const invitations: InvitationView[] = await listInvitations({ ctx });
    return jsonResponse({ invitations }, requestId);
  });
}

// POST /api/orgs/[orgSlug]/invitations { email, role } → CreatedInvitation ({ invitation, emailSent }):
// the accept link is emailed to the invitee only, never answered. Session (401), membership (404), members.manage (403), the body (400 naming the
// field), then the service: a role above the caller's 403, a member or a pending invitation 409.
export async function POST(request: NextRequest, { params }: { params: Params }): Promise<Response> {
  return withMember(request, checkedParams(params), "invite members", async (ctx, _params, requestId) => {
    requireMemberPermission(ctx, "members.manage");
    const body = parseInput(createInvitationBodySchema, await jsonBody(request));
    // The emailed link starts with GATEHOUSE_CONSOLE_URL, as every mailed link does; never with this request's Host.
    const created: CreatedInvitation = await createInvitation({ ctx, input: { body } });
    return jsonResponse(created, requestId);
  });
}

import { z } from "zod";
import {
  createdInvitationSchema,
  createInvitationBodySchema,
  invitationIdParams,
  invitationListSchema,
  invitationSchema,
  memberIdParams,
  memberListSchema,
  memberSchema,
  removedMemberSchema,
  updateMemberBodySchema,
} from "../members";
import type { RouteContract } from "./contract";
import { idempotencyKey } from "./idempotency";

/** The org's members and the invitations that make new ones. */
export const memberRoutes = [
  {
    operationId: "listMembers",
    method: "GET",
    path: "/v1/admin/members",
    summary: "The org's members",
    description: "With each member's role, how they sign in and when they were last active.",
    tag: "Members",
    auth: "admin",
    permission: "members.read",
    success: { status: 200, description: "The members, owners first.", json: memberListSchema },
  },
  {
    operationId: "updateMember",
    method: "PATCH",
    path: "/v1/admin/members/:id",
    summary: "Change a member's role",
    description:
      "Only for a member ranking at most the caller's role, and to a role at most the caller's (else 403); the last owner cannot be demoted (409). The member's admin keys act with the new role from their next request, on every instance.",
    tag: "Members",
    auth: "admin",
    permission: "members.manage",
    params: memberIdParams,
    body: updateMemberBodySchema,
    success: { status: 200, description: "The member after the change.", json: memberSchema },
  },
  {
    operationId: "removeMember",
    method: "DELETE",
    path: "/v1/admin/members/:id",
    summary: "Remove a member",
    description:
      "Their admin keys are revoked and their console session loses the org, from their next request on every instance. Only for a member ranking at most the caller's role (else 403); the last owner cannot be removed (409). Removing oneself is leaving the org.",
    tag: "Members",
    auth: "admin",
    permission: "members.manage",
    params: memberIdParams,
    success: { status: 200, description: "The removed member and the keys revoked.", json: removedMemberSchema },
  },
  {
    operationId: "listInvitations",
    method: "GET",
    path: "/v1/admin/invitations",
    summary: "Pending invitations",
    tag: "Members",
    auth: "admin",
    permission: "members.read",
    success: { status: 200, description: "The pending invitations, newest first.", json: invitationListSchema },
  },
  {
    operationId: "createInvitation",
    method: "POST",
    path: "/v1/admin/invitations",
    summary: "Invite someone by email",
    description:
      "The role is at most the caller's. The token is answered once (only its hash is stored), inside `acceptUrl`; the invitation works once and expires (7 days by default). An email that is a member or has a pending invitation is a 409. With an `Idempotency-Key`, a retry issues a fresh token for the same invitation.",
    tag: "Members",
    auth: "admin",
    permission: "members.manage",
    headers: z.object({
      "idempotency-key": idempotencyKey.optional().describe("Makes the call safe to retry: the invitation this key created gets a fresh token instead of a second invitation."),
    }),
    body: createInvitationBodySchema,
    success: { status: 201, description: "The invitation, its token and the URL to accept it.", json: createdInvitationSchema },
  },
  {
    operationId: "revokeInvitation",
    method: "DELETE",
    path: "/v1/admin/invitations/:id",
    summary: "Revoke an invitation",
    description: "Its link stops working. Revoking twice answers the revoked invitation; an accepted one is a 409.",
    tag: "Members",
    auth: "admin",
    permission: "members.manage",
    params: invitationIdParams,
    success: { status: 200, description: "The revoked invitation.", json: invitationSchema },
  },
] as const satisfies readonly RouteContract[];

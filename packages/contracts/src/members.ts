import { MEMBER_ROLES, newPasswordSchema } from "@gatehouse/core";
import { z } from "zod";
import { idOf, named, safeString } from "./common";

export const memberRoleSchema = z.enum(MEMBER_ROLES);

/** An org's slug: 2-48 lower-case letters, digits or '-', starting with a letter or digit (the console's URLs carry it). */
export const orgSlugValueSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{1,47}$/, "must be 2-48 lower-case letters, digits or '-', starting with a letter or digit");

/** A person's or an org's display name: safe text, trimmed, 1-200 characters. */
const displayName = () =>
  safeString()
    .transform((value) => value.trim())
    .pipe(z.string().min(1, "must not be empty").max(200, "must be at most 200 characters"));

/** An email address, compared case-insensitively (stored lower-case). */
export const emailSchema = z
  .string()
  .max(320, "must be at most 320 characters")
  .transform((value) => value.trim().toLowerCase())
  .pipe(z.email("must be an email address"));

export const orgSchema = named(
  "Org",
  z.object({ id: z.string(), slug: z.string(), name: z.string(), createdAt: z.string(), memberCount: z.number().int() }),
  "The organization of the key.",
);

export const updateOrgBodySchema = named(
  "UpdateOrgRequest",
  z.strictObject({ name: displayName().optional(), slug: orgSlugValueSchema.optional() }).refine((body) => body.name !== undefined || body.slug !== undefined, {
    message: "give name, slug or both",
  }),
  "A new name, a new slug, or both. A slug another org uses is a 409; the console's URLs change with the slug.",
);

export const closeOrgBodySchema = named(
  "CloseOrgRequest",
  z.strictObject({ confirm: z.string().max(100, "must be at most 100 characters").describe("The org's slug, typed out: closing cannot be undone.") }),
  "The typed confirmation: the org's slug.",
);

export const closedOrgSchema = named(
  "ClosedOrg",
  z.object({
    id: z.string(),
    slug: z.string(),
    closedAt: z.string(),
    closedBy: z.string().describe("The membership that closed it."),
    cancelledApprovals: z.number().int().describe("How many pending approvals the closing cancelled."),
  }),
  "The closed org. Its keys no longer work; its owners can still read and export its audit log in the console.",
);

export const memberSchema = named(
  "Member",
  z.object({
    id: z.string().describe("The membership id (mem_…)."),
    userId: z.string(),
    email: z.string(),
    name: z.string(),
    role: memberRoleSchema,
    signInMethods: z.array(z.enum(["password", "sso"])).describe("How the member signs in to the console; empty when they cannot (API keys only)."),
    lastActiveAt: z.string().nullable().describe("When they last acted through the console or an admin key (to the minute)."),
    joinedAt: z.string(),
  }),
  "A member of the org.",
);

export const memberListSchema = named("MemberList", z.object({ members: z.array(memberSchema) }), "The org's members, owners first, then by email.");

export const memberIdParams = z.object({ id: idOf("membership") });
export const invitationIdParams = z.object({ id: idOf("invitation") });

export const updateMemberBodySchema = named(
  "UpdateMemberRequest",
  z.strictObject({ role: memberRoleSchema }),
  "The member's new role: at most the caller's own rank, and never for a member ranking above the caller. The last owner cannot be demoted (409).",
);

export const removedMemberSchema = named(
  "RemovedMember",
  z.object({ id: z.string(), removedAt: z.string(), revokedKeys: z.array(z.string()) }),
  "A removed member and the admin keys revoked with it.",
);

export const invitationSchema = named(
  "Invitation",
  z.object({
    id: z.string(),
    email: z.string(),
    role: memberRoleSchema,
    invitedBy: z.object({ id: z.string(), name: z.string(), email: z.string() }).nullable().describe("The member who invited (null if they have left)."),
    status: z.enum(["pending", "accepted", "revoked", "expired"]),
    expiresAt: z.string(),
    createdAt: z.string(),
  }),
  "An invitation to join the org.",
);

export const invitationListSchema = named("InvitationList", z.object({ invitations: z.array(invitationSchema) }), "The org's pending invitations, newest first.");

export const createInvitationBodySchema = named(
  "CreateInvitationRequest",
  z.strictObject({
    email: emailSchema,
    role: memberRoleSchema.describe("At most the caller's own rank."),
    expiresInDays: z.number().int().min(1).max(30).default(7),
  }),
  "Who to invite, with which role.",
);

export const createdInvitationSchema = named(
  "CreatedInvitation",
  z.object({
    invitation: invitationSchema,
    emailSent: z.boolean().describe("Whether the mail with the accept link went out. The link is sent to the invitee only; it is never answered."),
  }),
  "The invitation. Its accept link went to the invitee's mailbox only.",
);

export const acceptInvitationInputSchema = z.union([
  z.strictObject({ token: z.string().min(1).max(200), user: z.strictObject({ id: idOf("user") }) }),
  z.strictObject({
    token: z.string().min(1).max(200),
    newAccount: z.strictObject({ name: displayName(), password: newPasswordSchema() }),
  }),
]);

export type CloseOrgBody = z.output<typeof closeOrgBodySchema>;
export type ClosedOrg = z.output<typeof closedOrgSchema>;
export type OrgView = z.output<typeof orgSchema>;
export type MemberView = z.output<typeof memberSchema>;
export type InvitationView = z.output<typeof invitationSchema>;
export type CreatedInvitation = z.output<typeof createdInvitationSchema>;
export type RemovedMember = z.output<typeof removedMemberSchema>;

import type { InvitationView } from "@gatehouse/contracts";
import { notFound, type MemberRole } from "@gatehouse/core";
import { db } from "../infra/client";
import { hashInvitationToken, isInvitationToken } from "./invitation-token";
import { invitationStatus } from "./invitation-view";

export interface InvitationPreview {
  org: { name: string; slug: string };
  email: string;
  role: MemberRole;
  status: InvitationView["status"];
  expiresAt: string;
  inviterName: string | null;
  /** Whether the invited email already has an account (then the invitee signs in to accept). */
  accountExists: boolean;
}

/**
 * What the console's `/invite/<token>` page shows before the invitee accepts: the org, the role, the
 * invited email and whether the link still works. The token is the only credential, so whoever holds
 * it may see this. An unknown or malformed token is 404. Reads only; acceptInvitation decides.
 */
export async function getInvitationByToken({ token, now = Date.now() }: { token: string; now?: number }): Promise<InvitationPreview> {
  if (!isInvitationToken(token)) throw notFound("invitation");
  const row = await db().invitation.findUnique({
    where: { tokenHash: hashInvitationToken(token) },
    include: { org: { select: { name: true, slug: true } }, invitedBy: { select: { user: { select: { name: true } } } } },
  });
  if (!row) throw notFound("invitation");
  const account = await db().user.findFirst({ where: { email: { equals: row.email, mode: "insensitive" } }, select: { id: true } });
  return {
    org: row.org,
    email: row.email,
    role: row.role,
    status: invitationStatus(row, now),
    expiresAt: row.expiresAt.toISOString(),
    inviterName: row.invitedBy?.user.name ?? null,
    accountExists: account !== null,
  };
}

import type { InvitationView } from "@gatehouse/contracts";
import type { MemberRole } from "@gatehouse/core";

export interface InvitationRow {
  id: string;
  email: string;
  role: MemberRole;
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
  invitedBy: { id: string; user: { name: string; email: string } } | null;
}

export const INVITATION_INCLUDE = { invitedBy: { select: { id: true, user: { select: { name: true, email: true } } } } } as const;

export function invitationStatus(row: Pick<InvitationRow, "acceptedAt" | "revokedAt" | "expiresAt">, now = Date.now()): InvitationView["status"] {
  if (row.acceptedAt) return "accepted";
  if (row.revokedAt) return "revoked";
  return row.expiresAt.getTime() <= now ? "expired" : "pending";
}

export function invitationView(row: InvitationRow, now = Date.now()): InvitationView {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    invitedBy: row.invitedBy ? { id: row.invitedBy.id, name: row.invitedBy.user.name, email: row.invitedBy.user.email } : null,
    status: invitationStatus(row, now),
    expiresAt: row.expiresAt.toISOString(),
    createdAt: row.createdAt.toISOString(),
  };
}

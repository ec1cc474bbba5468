import type { MemberView } from "@gatehouse/contracts";
import type { MemberRole } from "@gatehouse/core";

export interface MemberRow {
  id: string;
  userId: string;
  role: MemberRole;
  lastActiveAt: Date | null;
  createdAt: Date;
  user: { email: string; name: string; passwordHash: string | null };
}

export const MEMBER_INCLUDE = { user: { select: { email: true, name: true, passwordHash: true } } } as const;

/** How a member appears on the wire. Sign-in: a password today; SSO joins the list when it exists. */
export function memberView(row: MemberRow): MemberView {
  return {
    id: row.id,
    userId: row.userId,
    email: row.user.email,
    name: row.user.name,
    role: row.role,
    signInMethods: row.user.passwordHash ? ["password"] : [],
    lastActiveAt: row.lastActiveAt?.toISOString() ?? null,
    joinedAt: row.createdAt.toISOString(),
  };
}

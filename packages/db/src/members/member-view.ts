import type { MemberView } from "@gatehouse/contracts";
import type { MemberRole } from "@gatehouse/core";

export interface MemberRow {
  id: string;
  userId: string;
  role: MemberRole;
  lastActiveAt: Date | null;
  createdAt: Date;
  user: { email: string; name: string; passwordHash: string | null; ssoSubject: string | null };
}

export const MEMBER_INCLUDE = { user: { select: { email: true, name: true, passwordHash: true, ssoSubject: true } } } as const;

/** How a member appears on the wire. Sign-in: "password" when the account has one, "sso" once it signed in through the instance's OpenID Connect provider. */
export function memberView(row: MemberRow): MemberView {
  return {
    id: row.id,
    userId: row.userId,
    email: row.user.email,
    name: row.user.name,
    role: row.role,
    signInMethods: [...(row.user.passwordHash ? (["password"] as const) : []), ...(row.user.ssoSubject ? (["sso"] as const) : [])],
    lastActiveAt: row.lastActiveAt?.toISOString() ?? null,
    joinedAt: row.createdAt.toISOString(),
  };
}

import "server-only";
import { cache } from "react";
import { redirect } from "next/navigation";
import { getSessionAccount } from "@gatehouse/db";
import { auth } from "@/auth";
import { SIGN_IN_PATH } from "@/auth.config";

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  /** How this session was signed in: an org that requires single sign-on refuses "password". */
  signInMethod: "password" | "sso";
}

/** Where a page sends a session that no longer counts: it clears the cookie, then shows the sign-in page. */
export const SESSION_ENDED_PATH = "/account/session-ended";

/**
 * The signed-in user, or null. The session cookie alone is not enough: its session must not have
 * ended in the database (signed out; or every session of the account ended by a password change or
 * reset, "sign out everywhere", a removal or a role change), and the account must still exist and be
 * verified. One database read per request, on every instance alike. Route handlers use this and
 * answer 401 themselves.
 */
export const getSessionUser = cache(async (): Promise<SessionUser | null> => {
  const session = await auth();
  const user = session?.user;
  if (!user?.id || !user.sessionId) return null;
  const account = await getSessionAccount({ userId: user.id, sessionId: user.sessionId });
  return account ? { id: account.id, email: account.email, name: account.name, signInMethod: user.signInMethod } : null;
});

/** True when the request carries a session cookie that getSessionUser refuses (ended, or its account gone). */
export async function hasEndedSession(): Promise<boolean> {
  const session = await auth();
  return Boolean(session?.user?.id) && !(await getSessionUser());
}

/** For pages and layouts: the signed-in user, or a redirect to the sign-in page (through SESSION_ENDED_PATH when a stale cookie must go first). */
export async function requireSessionUser(): Promise<SessionUser> {
  const user = await getSessionUser();
  if (user) return user;
  redirect((await hasEndedSession()) ? SESSION_ENDED_PATH : SIGN_IN_PATH);
}

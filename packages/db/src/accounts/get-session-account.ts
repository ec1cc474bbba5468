import { db } from "../infra/client";

export interface SessionAccount {
  id: string;
  email: string;
  name: string;
  sessionVersion: number;
}

/**
 * The account behind a console session, or null when the session no longer counts: the user is
 * gone, their email is not verified, or the session was issued before their session version last
 * changed (password changed or reset, "sign out everywhere").
 */
export async function getSessionAccount({ userId, sessionVersion }: { userId: string; sessionVersion: number }): Promise<SessionAccount | null> {
  const user = await db().user.findUnique({ where: { id: userId }, select: { id: true, email: true, name: true, sessionVersion: true, emailVerifiedAt: true } });
  if (!user || !user.emailVerifiedAt || user.sessionVersion !== sessionVersion) return null;
  return { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion };
}

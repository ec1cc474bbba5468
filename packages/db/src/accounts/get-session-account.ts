import { db } from "../infra/client";

export interface SessionAccount {
  id: string;
  email: string;
  name: string;
}

/**
 * The account behind a console session, or null when the session no longer counts: signed out, past
 * its 12 hours, issued before the user's session version last moved on (password changed or reset,
 * "sign out everywhere", removed from an org or given another role), or its user is gone or not
 * verified. One database read on every request: no instance caches it, so an ending is seen at once
 * by all of them.
 */
export async function getSessionAccount({ userId, sessionId, now = new Date() }: { userId: string; sessionId: string; now?: Date }): Promise<SessionAccount | null> {
  const session = await db().consoleSession.findFirst({
    where: { id: sessionId, userId, endedAt: null, expiresAt: { gt: now } },
    select: { sessionVersion: true, user: { select: { id: true, email: true, name: true, sessionVersion: true, emailVerifiedAt: true } } },
  });
  if (!session) return null;
  const { user } = session;
  if (!user.emailVerifiedAt || user.sessionVersion !== session.sessionVersion) return null;
  return { id: user.id, email: user.email, name: user.name };
}

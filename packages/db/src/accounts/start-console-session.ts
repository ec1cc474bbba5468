import { newId, unauthenticated } from "@gatehouse/core";
import { db } from "../infra/client";

/** How long a console session lasts at most (the session cookie's lifetime is the same). */
export const CONSOLE_SESSION_TTL_SECONDS = 12 * 60 * 60;

/**
 * Records a console sign-in and answers the session's id, which the session cookie carries. The row is
 * written only while the user's session version is still the one the sign-in read: a password change,
 * "sign out everywhere" or a removal that committed in between refuses the sign-in (UNAUTHENTICATED)
 * rather than let it outlive them. The user's expired sessions are deleted on the way.
 */
export async function startConsoleSession({ userId, sessionVersion, now = new Date() }: { userId: string; sessionVersion: number; now?: Date }): Promise<{ sessionId: string }> {
  const id = newId("consoleSession");
  const expiresAt = new Date(now.getTime() + CONSOLE_SESSION_TTL_SECONDS * 1000);
  const inserted = await db().$executeRaw`
    INSERT INTO console_sessions (id, user_id, session_version, created_at, expires_at)
    SELECT ${id}, id, session_version, ${now}, ${expiresAt} FROM users WHERE id = ${userId} AND session_version = ${sessionVersion}`;
  if (inserted !== 1) throw unauthenticated("Sign in again.");
  await db().consoleSession.deleteMany({ where: { userId, expiresAt: { lte: now } } });
  return { sessionId: id };
}

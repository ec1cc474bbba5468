import { db } from "../infra/client";

/**
 * Signing out: this one session ends at once, for every console instance (each reads the row on every
 * request). The user's other sessions are left alone. Ending a session that already ended changes nothing.
 */
export async function endConsoleSession({ userId, sessionId, now = new Date() }: { userId: string; sessionId: string; now?: Date }): Promise<void> {
  await db().consoleSession.updateMany({ where: { id: sessionId, userId, endedAt: null }, data: { endedAt: now } });
}

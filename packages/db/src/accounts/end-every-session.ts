import type { Tx } from "../infra/client";

/**
 * Inside the caller's transaction: every console session of the user and every outstanding reset or
 * verification link of theirs stops working, at once and on every instance. Both carry the session
 * version they were issued with and count only while it is still the user's; this moves it on (and
 * marks the sessions ended). Answers the new version.
 */
export async function endEverySession(tx: Tx, userId: string, now = new Date()): Promise<number> {
  const { sessionVersion } = await tx.user.update({ where: { id: userId }, data: { sessionVersion: { increment: 1 } }, select: { sessionVersion: true } });
  await tx.consoleSession.updateMany({ where: { userId, endedAt: null }, data: { endedAt: now } });
  return sessionVersion;
}

import { unauthenticated } from "@gatehouse/core";
import { db, TX_OPTIONS } from "../infra/client";
import { isRecordNotFound } from "./record-not-found";
import { recordAccountEvent } from "./record-account-event";

/**
 * "Sign out everywhere": session_version + 1, so every console session issued before (this one
 * included) is refused on its next request. Recorded in each of the user's orgs (account.sessions_ended).
 */
export async function endAllSessions({ userId }: { userId: string }): Promise<{ sessionVersion: number }> {
  try {
    return await db().$transaction(async (tx) => {
      const user = await tx.user.update({ where: { id: userId }, data: { sessionVersion: { increment: 1 } }, select: { sessionVersion: true } });
      await recordAccountEvent(tx, userId, "account.sessions_ended");
      return { sessionVersion: user.sessionVersion };
    }, TX_OPTIONS);
  } catch (error) {
    if (isRecordNotFound(error)) throw unauthenticated("Sign in again.");
    throw error;
  }
}

import { unauthenticated } from "@gatehouse/core";
import { db, TX_OPTIONS } from "../infra/client";
import { endEverySession } from "./end-every-session";
import { isRecordNotFound } from "./record-not-found";
import { recordAccountEvent } from "./record-account-event";

/**
 * "Sign out everywhere": every console session of the user (this one included) and every outstanding
 * reset or verification link ends at once (endEverySession). Recorded in each of the user's orgs
 * (account.sessions_ended).
 */
export async function endAllSessions({ userId }: { userId: string }): Promise<{ sessionVersion: number }> {
  try {
    return await db().$transaction(async (tx) => {
      const sessionVersion = await endEverySession(tx, userId);
      await recordAccountEvent(tx, userId, "account.sessions_ended");
      return { sessionVersion };
    }, TX_OPTIONS);
  } catch (error) {
    if (isRecordNotFound(error)) throw unauthenticated("Sign in again.");
    throw error;
  }
}

import { hashPassword, unauthenticated, validationError, verifyPassword } from "@gatehouse/core";
import { z } from "zod";
import { db, TX_OPTIONS } from "../infra/client";
import { endEverySession } from "./end-every-session";
import { givenPasswordField, newPasswordField, parse } from "./fields";
import { recordAccountEvent } from "./record-account-event";

const inputSchema = z.object({ currentPassword: givenPasswordField, newPassword: newPasswordField });

/**
 * A signed-in user changes their password, giving the current one (a wrong one is a 400 naming
 * `currentPassword`). Every session and every outstanding reset or verification link ends
 * (endEverySession); the console signs the caller in again with the new password. Recorded in each of the user's orgs (account.password_changed).
 */
export async function changePassword({ userId, input }: { userId: string; input: unknown }): Promise<{ sessionVersion: number }> {
  const { currentPassword, newPassword } = parse(inputSchema, input);
  const user = await db().user.findUnique({ where: { id: userId }, select: { passwordHash: true } });
  if (!user) throw unauthenticated("Sign in again.");
  if (!user.passwordHash || !(await verifyPassword(currentPassword, user.passwordHash))) {
    throw validationError([{ path: "currentPassword", message: "is not your current password" }]);
  }
  if (currentPassword === newPassword) throw validationError([{ path: "newPassword", message: "must differ from the current password" }]);
  const passwordHash = await hashPassword(newPassword);
  return db().$transaction(async (tx) => {
    // Only if the password is still the one checked above: two changes at once do not both win.
    const updated = await tx.user.updateMany({ where: { id: userId, passwordHash: user.passwordHash }, data: { passwordHash } });
    if (updated.count !== 1) throw validationError([{ path: "currentPassword", message: "is not your current password" }]);
    const sessionVersion = await endEverySession(tx, userId);
    await recordAccountEvent(tx, userId, "account.password_changed");
    return { sessionVersion };
  }, TX_OPTIONS);
}

import { hashPassword, validationError } from "@gatehouse/core";
import { z } from "zod";
import { db, TX_OPTIONS } from "../infra/client";
import { newPasswordField, parse, tokenField } from "./fields";
import { endEverySession } from "./end-every-session";
import { recordAccountEvent } from "./record-account-event";
import { consumeToken } from "./tokens";
import { SPENT_LINK } from "./verify-email";

const inputSchema = z.object({ token: tokenField, password: newPasswordField });

/**
 * Uses a reset link: sets the new password, ends every session and every other outstanding link
 * (endEverySession) and, since the link reached the address, marks the email verified. Recorded in the audit log of each org the
 * user belongs to (account.password_reset). A used, expired or unknown link is a 400 naming `token`.
 */
export async function resetPassword({ input }: { input: unknown }): Promise<{ userId: string; email: string }> {
  const { token, password } = parse(inputSchema, input);
  const passwordHash = await hashPassword(password);
  return db().$transaction(async (tx) => {
    const now = new Date();
    const spent = await consumeToken(tx, token, "reset_password", now);
    if (!spent) throw validationError([{ path: "token", message: SPENT_LINK }]);
    const before = await tx.user.findUniqueOrThrow({ where: { id: spent.userId }, select: { emailVerifiedAt: true } });
    const user = await tx.user.update({
      where: { id: spent.userId },
      data: { passwordHash, passwordUnproved: false, ...(before.emailVerifiedAt ? {} : { emailVerifiedAt: now }) },
      select: { id: true, email: true },
    });
    await endEverySession(tx, user.id, now);
    await recordAccountEvent(tx, user.id, "account.password_reset");
    return { userId: user.id, email: user.email };
  }, TX_OPTIONS);
}

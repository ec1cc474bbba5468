import { validationError } from "@gatehouse/core";
import { z } from "zod";
import { db, TX_OPTIONS } from "../infra/client";
import { parse, tokenField } from "./fields";
import { consumeToken } from "./tokens";

const inputSchema = z.object({ token: tokenField });

export const SPENT_LINK = "this link is not valid: it was used already, has expired, or was replaced by a newer one";

/** Uses a verification link: the account's email counts as verified from now on. A used, expired or unknown link is a 400 naming `token`. */
export async function verifyEmail({ input }: { input: unknown }): Promise<{ userId: string; email: string }> {
  const { token } = parse(inputSchema, input);
  return db().$transaction(async (tx) => {
    const now = new Date();
    const spent = await consumeToken(tx, token, "verify_email", now);
    if (!spent) throw validationError([{ path: "token", message: SPENT_LINK }]);
    const user = await tx.user.findUniqueOrThrow({ where: { id: spent.userId }, select: { id: true, email: true, emailVerifiedAt: true } });
    if (!user.emailVerifiedAt) await tx.user.update({ where: { id: user.id }, data: { emailVerifiedAt: now } });
    return { userId: user.id, email: user.email };
  }, TX_OPTIONS);
}

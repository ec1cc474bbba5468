import { validationError } from "@gatehouse/core";
import { z } from "zod";
import { db, TX_OPTIONS } from "../infra/client";
import { parse, tokenField } from "./fields";
import { consumeToken, hashToken } from "./tokens";

const inputSchema = z.object({ token: tokenField });

export const SPENT_LINK = "this link is not valid: it was used already, has expired, or was replaced by a newer one";

/**
 * Uses a verification link: the account's email counts as verified from now on. The console does this
 * when the link is opened (GET): whoever opens it holds the mailbox it went to, and verifying grants
 * no session — the next step is signing in with the password. So a mail scanner that opens every link
 * verifies the address and nothing more; when the person then opens the spent link, it answers
 * `alreadyVerified` for the account it verified (rather than an error), and they continue the same way.
 * An unknown link, or a spent one whose account is not verified, is a 400 naming `token`.
 */
export async function verifyEmail({ input }: { input: unknown }): Promise<{ userId: string; email: string; alreadyVerified: boolean }> {
  const { token } = parse(inputSchema, input);
  return db().$transaction(async (tx) => {
    const now = new Date();
    const spent = await consumeToken(tx, token, "verify_email", now);
    if (!spent) {
      const used = await tx.accountToken.findUnique({
        where: { tokenHash: hashToken(token) },
        select: { purpose: true, usedAt: true, user: { select: { id: true, email: true, emailVerifiedAt: true } } },
      });
      if (used?.purpose === "verify_email" && used.usedAt && used.user.emailVerifiedAt) return { userId: used.user.id, email: used.user.email, alreadyVerified: true };
      throw validationError([{ path: "token", message: SPENT_LINK }]);
    }
    const user = await tx.user.findUniqueOrThrow({ where: { id: spent.userId }, select: { id: true, email: true, emailVerifiedAt: true } });
    if (!user.emailVerifiedAt) await tx.user.update({ where: { id: user.id }, data: { emailVerifiedAt: now } });
    return { userId: user.id, email: user.email, alreadyVerified: user.emailVerifiedAt !== null };
  }, TX_OPTIONS);
}

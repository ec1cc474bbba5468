import { z } from "zod";
import { db, TX_OPTIONS } from "../infra/client";
import { emailField, link, sourceField, parse } from "./fields";
import { verificationMail } from "./mails";
import { afterAnswering } from "./send-later";
import { admitMailRequest } from "./mail-throttle";
import { issueToken, sentRecently } from "./tokens";

const inputSchema = z.object({ email: emailField, source: sourceField });

/**
 * Sends a new verification link to an unverified account. The answer is the same whatever the
 * address (no account, already verified, a link sent less than a minute ago), and comes after the
 * same work: the account is looked up only after answering (afterAnswering). `sent` resolves when
 * that work is done (tests wait on it; callers need not).
 */
export async function resendVerification({ input }: { input: unknown }): Promise<{ sent: Promise<void> }> {
  const { email, source } = parse(inputSchema, input);
  await admitMailRequest(source);
  return {
    sent: afterAnswering(async () => {
      const user = await db().user.findUnique({ where: { email }, select: { id: true, name: true, emailVerifiedAt: true } });
      if (!user || user.emailVerifiedAt || (await sentRecently(user.id, "verify_email"))) return null;
      const token = await db().$transaction((tx) => issueToken(tx, user.id, "verify_email"), TX_OPTIONS);
      return verificationMail(email, user.name, link("verify-email", token));
    }),
  };
}

import { z } from "zod";
import { db, TX_OPTIONS } from "../infra/client";
import { emailField, link, sourceField, parse } from "./fields";
import { resetMail } from "./mails";
import { afterAnswering } from "./send-later";
import { admitMailRequest } from "./mail-throttle";
import { issueToken, sentRecently } from "./tokens";

const inputSchema = z.object({ email: emailField, source: sourceField });

/**
 * "Forgot password": emails a reset link (/reset-password?token=…, single-use, 1 h) when the address
 * has an account. The answer is the same, and comes after the same work, whether or not it has one:
 * the account is looked up only after answering (afterAnswering). At most one link a minute is sent
 * per account. `sent` resolves when that work is done (tests wait on it).
 */
export async function requestPasswordReset({ input }: { input: unknown }): Promise<{ sent: Promise<void> }> {
  const { email, source } = parse(inputSchema, input);
  await admitMailRequest(source);
  return {
    sent: afterAnswering(async () => {
      const user = await db().user.findUnique({ where: { email }, select: { id: true } });
      if (!user || (await sentRecently(user.id, "reset_password"))) return null;
      const token = await db().$transaction((tx) => issueToken(tx, user.id, "reset_password"), TX_OPTIONS);
      return resetMail(email, link("reset-password", token));
    }),
  };
}

import { z } from "zod";
import { db, TX_OPTIONS } from "../infra/client";
import { emailField, link, sourceField, parse } from "./fields";
import { signInLinkMail } from "./mails";
import { admitMailRequest } from "./mail-throttle";
import { afterAnswering } from "./send-later";
import { issueToken, sentRecently } from "./tokens";

const inputSchema = z.object({ email: emailField, source: sourceField });

/**
 * "Email me a sign-in link" (docs/adr/0017): the way into the console that failed password attempts
 * cannot block. Emails a link (/signin/link?token=…, single-use, 15 min, only its hash stored) when
 * the address has a verified account. As with "forgot password", the answer is the same, and comes
 * after the same work, whether or not it has one (the account is looked up after answering), requests
 * count against the client address's mail limit, and at most one link a minute goes to an account.
 * `sent` resolves when that work is done (tests wait on it).
 */
export async function requestSignInLink({ input }: { input: unknown }): Promise<{ sent: Promise<void> }> {
  const { email, source } = parse(inputSchema, input);
  await admitMailRequest(source);
  return {
    sent: afterAnswering(async () => {
      const user = await db().user.findUnique({ where: { email }, select: { id: true, emailVerifiedAt: true } });
      if (!user?.emailVerifiedAt || (await sentRecently(user.id, "sign_in"))) return null;
      const token = await db().$transaction((tx) => issueToken(tx, user.id, "sign_in"), TX_OPTIONS);
      return signInLinkMail(email, link("signin/link", token));
    }),
  };
}

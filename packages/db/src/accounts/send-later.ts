import { sendMail, type MailMessage } from "../mail/send-mail";

/**
 * Runs the part of an answer that depends on whether an address has an account (looking it up,
 * creating it, issuing a link, mailing it) after the caller has answered: the answer cannot wait on
 * it, so it neither says nor shows by its timing what was found. Sign-up, "resend the link" and
 * "forgot password" answer this way. A failure is logged (without the link); the person asks again
 * for a new link.
 */
export function afterAnswering(work: () => Promise<MailMessage | null>): Promise<void> {
  return Promise.resolve()
    .then(work)
    .then((message) => (message ? sendMail(message) : undefined))
    .catch((error: unknown) => {
      console.warn(`[mail] an account mail was not sent: ${error instanceof Error ? error.message : "unknown error"}`);
    });
}

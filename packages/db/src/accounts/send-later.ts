import { sendMail, type MailMessage } from "../mail/send-mail";

/**
 * Sends a mail without making the caller wait for it: "resend the link" and "forgot password" answer
 * the same, in about the same time, whether or not the address has an account. A failed send is
 * logged (without the link); the person asks again for a new link.
 */
export function sendLater(message: MailMessage): Promise<void> {
  return sendMail(message).catch(warnUnsent);
}

/**
 * Runs the part of an answer that depends on whether an address has an account (looking it up,
 * issuing a link, mailing it) after the caller has answered: the answer cannot wait on it, so it
 * neither says nor shows by its timing what was found. A failure is logged like a failed send.
 */
export function afterAnswering(work: () => Promise<MailMessage | null>): Promise<void> {
  return Promise.resolve()
    .then(work)
    .then((message) => (message ? sendMail(message) : undefined))
    .catch(warnUnsent);
}

function warnUnsent(error: unknown): void {
  console.warn(`[mail] an account mail was not sent: ${error instanceof Error ? error.message : "unknown error"}`);
}

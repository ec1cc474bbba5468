import { sendMail, type MailMessage } from "../mail/send-mail";

/**
 * Sends a mail without making the caller wait for it: "resend the link" and "forgot password" answer
 * the same, in about the same time, whether or not the address has an account. A failed send is
 * logged (without the link); the person asks again for a new link.
 */
export function sendLater(message: MailMessage): Promise<void> {
  return sendMail(message).catch((error: unknown) => {
    console.warn(`[mail] an account mail was not sent: ${error instanceof Error ? error.message : "unknown error"}`);
  });
}

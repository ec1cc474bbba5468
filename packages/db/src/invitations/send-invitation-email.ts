import { sendMail } from "../mail";

/**
 * The call site where an invitation's email is sent: createInvitation calls it once, after the
 * invitation committed, with the text of `invitationEmail`. The link goes nowhere else: the
 * inviter never sees it. A failed send does not undo the invitation; it is reported (`emailSent: false`
 * in the answer) and the inviter revokes and invites again once mail works. Without SMTP_URL the mail lands in the
 * development outbox and the server log, as every mail does.
 */
export async function sendInvitationEmail(message: { to: string; subject: string; text: string; link: string }): Promise<{ sent: boolean }> {
  try {
    await sendMail(message);
    return { sent: true };
  } catch {
    // Not the error's text: an SMTP server's reply can echo credentials.
    console.warn(`[mail] the invitation to ${message.to} could not be sent`);
    return { sent: false };
  }
}

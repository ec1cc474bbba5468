/**
 * THE call site where an invitation's email is sent: createInvitation calls it once, after the
 * invitation committed, with the text of `invitationEmail`. Sending is not wired yet (the mailer,
 * packages/db/src/mail `sendMail`, is written alongside); until it is, the inviter passes on the
 * accept URL the API answers. Wiring it is the one line below. A failed send must not undo the
 * invitation (the inviter still holds the URL), so failures are reported, not thrown.
 */
export async function sendInvitationEmail(message: { to: string; subject: string; text: string }): Promise<{ sent: boolean }> {
  // At merge: `await sendMail(message); return { sent: true };` (in a try/catch answering { sent: false }).
  void message;
  return { sent: false };
}

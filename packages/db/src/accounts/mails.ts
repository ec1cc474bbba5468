import type { MailMessage } from "../mail/send-mail";

// The account mails. Plain text first (every client shows it), with a minimal HTML part.

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function mail(to: string, subject: string, lines: string[], url: string, action: string): MailMessage {
  const text = `${lines.join("\n\n")}\n\n${url}\n`;
  const html = `${lines.map((l) => `<p>${escape(l)}</p>`).join("")}<p><a href="${escape(url)}">${escape(action)}</a></p>`;
  return { to, subject, text, html, link: url };
}

export const verificationMail = (to: string, name: string, url: string) =>
  mail(
    to,
    "Verify your email for Gatehouse",
    [`Hello ${name},`, "Open this link to verify your email address and finish creating your Gatehouse account. It works once, for 24 hours."],
    url,
    "Verify my email",
  );

export const resetMail = (to: string, url: string) =>
  mail(
    to,
    "Reset your Gatehouse password",
    [
      "Someone (hopefully you) asked to reset the password of the Gatehouse account for this address.",
      "Open this link to choose a new one. It works once, for 1 hour. If you did not ask, ignore this email: nothing changes.",
    ],
    url,
    "Choose a new password",
  );

export const accountExistsMail = (to: string, signInUrl: string, resetUrl: string) =>
  mail(
    to,
    "Someone tried to sign up for Gatehouse with your address",
    [
      "Someone (hopefully you) tried to create a Gatehouse account with this address. It already has one, so no second account was made.",
      `To use your account, sign in at ${signInUrl}`,
      "If you do not know its password, open this link to choose a new one. It works once, for 1 hour. If it was not you, ignore this email: nothing changes.",
    ],
    resetUrl,
    "Choose a new password",
  );

export const signInLinkMail = (to: string, url: string) =>
  mail(
    to,
    "Your Gatehouse sign-in link",
    [
      "Someone (hopefully you) asked for a link to sign in to the Gatehouse account for this address, without its password.",
      "Open this link to sign in. It works once, for 15 minutes. If you did not ask, ignore this email: nothing changes, and nobody can use the link without reading this mailbox.",
    ],
    url,
    "Sign in to Gatehouse",
  );

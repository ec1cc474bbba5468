import type { MemberRole } from "@gatehouse/core";

/** The subject of every invitation: fixed, nothing in it comes from the inviter. */
export const INVITATION_SUBJECT = "You are invited to an organization on Gatehouse";

/** The longest an inviter-chosen name (the org's, the inviter's) appears in the mail. */
export const QUOTED_NAME_MAX = 60;

/**
 * An inviter-chosen name as the mail quotes it: one line, no control characters, at most
 * QUOTED_NAME_MAX characters, and no link a mail client would make clickable (`https://` → `https[:]//`,
 * `www.` → `www[.]`). It is shown in quotes as the inviter's words, never as ours.
 */
export function quoteName(name: string): string {
  const oneLine = Array.from(
    name
      .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, " ")
      .replace(/\s+/g, " ")
      .trim(),
  );
  const capped = oneLine.length > QUOTED_NAME_MAX ? `${oneLine.slice(0, QUOTED_NAME_MAX - 1).join("")}…` : oneLine.join("");
  return `"${capped
    .replace(/"/g, "'")
    .replace(/([a-z][a-z0-9+.-]*):\/\//gi, "$1[:]//")
    .replace(/\bwww\./gi, "www[.]")}"`;
}

/**
 * The invitation email (plain text: no markup to escape, nothing remote to load). Its words are
 * Gatehouse's: the subject is fixed, and the two names the inviter chose (the org's and their own)
 * appear only quoted and capped (quoteName), marked as theirs. There is no free-text note.
 */
export function invitationEmail({
  orgName,
  inviterName,
  role,
  acceptUrl,
  expiresAt,
}: {
  orgName: string;
  inviterName: string;
  role: MemberRole;
  acceptUrl: string;
  expiresAt: Date;
}): {
  subject: string;
  text: string;
} {
  return {
    subject: INVITATION_SUBJECT,
    text: [
      `You are invited to join an organization on Gatehouse as ${/^[aeiou]/.test(role) ? "an" : "a"} ${role}.`,
      "",
      "The names below were chosen by the person who invited you; Gatehouse does not check them:",
      `  Organization: ${quoteName(orgName)}`,
      `  Invited by: ${quoteName(inviterName)}`,
      "",
      `To accept, open this link. It works once, until ${expiresAt.toISOString()}:`,
      acceptUrl,
      "",
      "If you did not expect this invitation, ignore this email: nothing happens unless the link is opened and accepted.",
      "Gatehouse never asks for your password in an email.",
    ].join("\n"),
  };
}

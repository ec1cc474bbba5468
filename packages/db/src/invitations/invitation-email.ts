import type { MemberRole } from "@gatehouse/core";

/** The invitation email's text (plain text: no markup to escape, nothing remote to load). */
export function invitationEmail({ orgName, inviterName, role, acceptUrl }: { orgName: string; inviterName: string; role: MemberRole; acceptUrl: string }): {
  subject: string;
  text: string;
} {
  return {
    subject: `${inviterName} invited you to ${orgName} on Gatehouse`,
    text: [
      `${inviterName} invited you to join ${orgName} on Gatehouse as ${/^[aeiou]/.test(role) ? "an" : "a"} ${role}.`,
      "",
      "To accept, open this link. It works once, and only for a limited time (7 days unless your inviter chose otherwise):",
      acceptUrl,
      "",
      "If you did not expect this invitation, you can ignore this email: nothing happens until the link is opened and accepted.",
    ].join("\n"),
  };
}

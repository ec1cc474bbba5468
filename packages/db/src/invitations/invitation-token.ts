import { createHash } from "node:crypto";
import { randomToken } from "@gatehouse/core";

/**
 * Invitation tokens look like `gh_invite_<32 chars>` (190 bits). Like API keys, only SHA-256 of the
 * whole token is stored (tokens are random, so a fast hash is enough) and the lookup is by that
 * hash; the plaintext exists only in the accept URL mailed to the invitee.
 */
const TOKEN_PATTERN = /^gh_invite_[0-9a-zA-Z]{32}$/;

export function issueInvitationToken(): { plaintext: string; hash: string } {
  const plaintext = `gh_invite_${randomToken(32)}`;
  return { plaintext, hash: hashInvitationToken(plaintext) };
}

export function isInvitationToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}

export function hashInvitationToken(plaintext: string): string {
  return createHash("sha256").update(plaintext).digest("hex");
}

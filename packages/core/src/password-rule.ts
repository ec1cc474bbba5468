import { safeString } from "./input";

/**
 * The one rule for a new password, wherever one is set (sign-up, accepting an invitation, a reset
 * link, changing it, an org's owner created by the seed or an operator). Lengths count characters
 * (Unicode code points), not UTF-16 units: "🔐" is one character. The cap holds before any hashing.
 */
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

/** What the forms say under a new-password field. */
export const PASSWORD_HINT = `At least ${PASSWORD_MIN} characters.`;

export const PASSWORD_TOO_SHORT = `must be at least ${PASSWORD_MIN} characters`;
export const PASSWORD_TOO_LONG = `must be at most ${PASSWORD_MAX} characters`;
export const PASSWORD_TOO_EASY = "is too easy to guess";

/** Characters (code points) of a password, counted without walking past the cap. */
function charactersUpTo(password: string, cap: number): number {
  let count = 0;
  for (const _ of password) {
    count += 1;
    if (count > cap) break;
  }
  return count;
}

/** Why `password` cannot be a new password, or null when it can. */
export function newPasswordProblem(password: string): string | null {
  // A code point is at most two UTF-16 units: anything longer than twice the cap is over it, uncounted.
  if (password.length > PASSWORD_MAX * 2) return PASSWORD_TOO_LONG;
  const characters = charactersUpTo(password, PASSWORD_MAX);
  if (characters > PASSWORD_MAX) return PASSWORD_TOO_LONG;
  if (characters < PASSWORD_MIN) return PASSWORD_TOO_SHORT;
  if (new Set(password).size <= 2) return PASSWORD_TOO_EASY;
  return null;
}

/** A new password: safe text, {@link PASSWORD_MIN} to {@link PASSWORD_MAX} characters, not one or two characters repeated. */
export const newPasswordSchema = () =>
  safeString().superRefine((password, ctx) => {
    const problem = newPasswordProblem(password);
    if (problem) ctx.addIssue({ code: "custom", message: problem, input: password });
  });

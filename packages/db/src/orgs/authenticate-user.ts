import { DomainError, DUMMY_PASSWORD_HASH, verifyPassword, type PasswordVerifier } from "@gatehouse/core";
import { z } from "zod";
import { issueDeviceCookie, readDeviceCookie } from "../auth/device-cookie";
import { signInThrottle, type SignInThrottle } from "../auth/sign-in-throttle";
import { db } from "../infra/client";

const inputSchema = z.object({
  email: z.string().min(3).max(320),
  password: z.string().min(1).max(200),
  /** The client's address as the console determined it (null: unknown, only the per-email limit applies). */
  source: z.string().min(1).max(100).nullish(),
  /** The value of the browser's device cookie for this email (deviceCookieName), if it sent one. */
  deviceCookie: z.string().max(300).nullish(),
});

/** details.reason of the FORBIDDEN that a correct password for an unverified account gets. */
export const EMAIL_UNVERIFIED = "EMAIL_UNVERIFIED";

export interface AuthenticateUserDeps {
  verifyPassword?: PasswordVerifier;
  throttle?: SignInThrottle;
  now?: number;
  /** Signs and checks device cookies (deviceCookieKey of the console's secret); without it there are none. */
  deviceKey?: Buffer;
}

export interface AuthenticatedUser {
  id: string;
  email: string;
  name: string;
  sessionVersion: number;
  /** With deps.deviceKey: a new device cookie for this browser and account, for the caller to set. */
  deviceCookie?: string;
}

/**
 * Console sign-in: email + password against the stored scrypt hash. Null on any mismatch.
 *
 * An email without an account (or without a password) is verified against a dummy hash with the
 * same cost parameters, so it does the same work and gets the same answer as a wrong password.
 * Failures are limited per email and per source, or, from a browser with a valid device cookie for
 * the email, per device cookie only (SignInThrottle, device-cookie.ts); past a limit this throws
 * RATE_LIMITED before the password is looked at. A success clears no count and hands back a new
 * device cookie.
 *
 * The right password for an account whose email is not verified yet (self-service sign-up) throws
 * FORBIDDEN with details.reason EMAIL_UNVERIFIED: only someone who knows the password learns that
 * the account exists, and the console offers to resend the link. The session version is returned
 * for the session to carry (getSessionAccount compares it).
 */
export async function authenticateUser({ input, deps = {} }: { input: unknown; deps?: AuthenticateUserDeps }): Promise<AuthenticatedUser | null> {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) return null;
  const email = parsed.data.email.trim().toLowerCase();
  const now = deps.now ?? Date.now();
  const device = deps.deviceKey ? readDeviceCookie(parsed.data.deviceCookie, email, deps.deviceKey, now) : null;
  const attempt = await (deps.throttle ?? signInThrottle()).admit(email, parsed.data.source ?? null, now, device);
  let user;
  try {
    user = await db().user.findUnique({ where: { email }, omit: { passwordHash: false } });
    const matches = await (deps.verifyPassword ?? verifyPassword)(parsed.data.password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (!user?.passwordHash || !matches) {
      await attempt.failed();
      return null;
    }
    attempt.done();
  } catch (error) {
    attempt.done();
    throw error;
  }
  if (!user.emailVerifiedAt) throw new DomainError("FORBIDDEN", "Verify your email first: open the link we sent you, or ask for a new one.", { reason: EMAIL_UNVERIFIED });
  const signedIn: AuthenticatedUser = { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion };
  if (deps.deviceKey) signedIn.deviceCookie = issueDeviceCookie(email, deps.deviceKey, now);
  return signedIn;
}

import { DUMMY_PASSWORD_HASH, verifyPassword, type PasswordVerifier } from "@gatehouse/core";
import { z } from "zod";
import { signInThrottle, type SignInThrottle } from "../auth/sign-in-throttle";
import { db } from "../infra/client";

const inputSchema = z.object({
  email: z.string().min(3).max(320),
  password: z.string().min(1).max(200),
  /** The client's address as the console determined it (null: unknown, only the per-email limit applies). */
  source: z.string().min(1).max(100).nullish(),
});

export interface AuthenticateUserDeps {
  verifyPassword?: PasswordVerifier;
  throttle?: SignInThrottle;
  now?: number;
}

/**
 * Console sign-in: email + password against the stored scrypt hash. Null on any mismatch.
 *
 * An email without an account (or without a password) is verified against a dummy hash with the
 * same cost parameters, so it does the same work and gets the same answer as a wrong password.
 * Failures are limited per email and per source (SignInThrottle); past a limit this throws
 * RATE_LIMITED before the password is looked at. A success clears no count.
 */
export async function authenticateUser({ input, deps = {} }: { input: unknown; deps?: AuthenticateUserDeps }): Promise<{ id: string; email: string; name: string } | null> {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) return null;
  const email = parsed.data.email.trim().toLowerCase();
  const attempt = await (deps.throttle ?? signInThrottle()).admit(email, parsed.data.source ?? null, deps.now);
  try {
    const user = await db().user.findUnique({ where: { email } });
    const matches = await (deps.verifyPassword ?? verifyPassword)(parsed.data.password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (!user?.passwordHash || !matches) {
      await attempt.failed();
      return null;
    }
    attempt.done();
    return { id: user.id, email: user.email, name: user.name };
  } catch (error) {
    attempt.done();
    throw error;
  }
}

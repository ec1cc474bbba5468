import "server-only";
import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { z } from "zod";
import { authenticateUser, EMAIL_UNVERIFIED, isDomainError } from "@gatehouse/db";
import { baseAuthConfig } from "./auth.config";
import { env } from "./env";
import { clientAddress } from "./server/client-address";

const credentialsSchema = z.object({
  email: z.email().max(320),
  password: z.string().min(1).max(1024),
});

/**
 * Too many failed sign-ins for the email or from the address: refused before the password was
 * checked. The sign-in form says when to try again; a direct POST to the callback lands on
 * /signin?error=CredentialsSignin&code=rate_limited.
 */
export class TooManySignInAttempts extends CredentialsSignin {
  override code = "rate_limited";
  constructor(readonly retryAfterSeconds: number) {
    super();
  }
}

/**
 * The right password for an account whose email is not verified yet: the sign-in form says so and
 * offers to resend the link; a direct POST lands on /signin?error=CredentialsSignin&code=email_unverified.
 */
export class EmailNotVerified extends CredentialsSignin {
  override code = "email_unverified";
}

export const { handlers, auth, signIn, signOut } = NextAuth(() => {
  const base = baseAuthConfig();
  return {
    ...base,
    providers: [
      Credentials({
        credentials: { email: { type: "email" }, password: { type: "password" } },
        async authorize(raw, request) {
          const parsed = credentialsSchema.safeParse(raw);
          if (!parsed.success) throw new CredentialsSignin();
          const source = clientAddress(request.headers, env().AUTH_TRUSTED_PROXY_HOPS);
          let user: Awaited<ReturnType<typeof authenticateUser>>;
          try {
            user = await authenticateUser({ input: { ...parsed.data, source } });
          } catch (error) {
            if (isDomainError(error) && error.code === "RATE_LIMITED") throw new TooManySignInAttempts(error.retryAfterSeconds ?? 60);
            if (isDomainError(error) && (error.details as { reason?: unknown } | undefined)?.reason === EMAIL_UNVERIFIED) throw new EmailNotVerified();
            throw error;
          }
          if (!user) throw new CredentialsSignin();
          return { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion };
        },
      }),
    ],
  };
});

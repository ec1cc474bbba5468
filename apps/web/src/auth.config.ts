import type { NextAuthConfig } from "next-auth";
import { env } from "./env";
import { AUTH_LOGGER } from "./server/auth-logger";

export const SIGN_IN_PATH = "/signin";

/** The id of the instance's OpenID Connect provider (its callback is /api/auth/callback/oidc). */
export const OIDC_PROVIDER_ID = "oidc";

// The part of the next-auth configuration that needs no database: secret, session strategy, pages
// and the callback that reads the JWT. proxy.ts runs with only this; auth.ts adds the providers,
// which read users through @gatehouse/db, and the jwt callback, which records each sign-in there.
export function baseAuthConfig(): NextAuthConfig {
  const e = env();
  return {
    secret: e.AUTH_SECRET,
    // With AUTH_URL set, next-auth takes the console's origin from it, never from the Host header.
    trustHost: e.AUTH_TRUST_HOST || e.AUTH_URL !== undefined,
    // 12 h, as the session's database row (CONSOLE_SESSION_TTL_SECONDS in @gatehouse/db), which decides.
    session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
    pages: { signIn: SIGN_IN_PATH, error: SIGN_IN_PATH },
    // A wrong password logs one line, not a stack trace (server/auth-logger.ts).
    logger: AUTH_LOGGER,
    providers: [],
    callbacks: {
      // The JWT carries the session's id (sid, its console_sessions row: server/session.ts refuses the
      // session once that row ended) and how the user signed in (sm: "password" or "sso": an org that
      // requires single sign-on refuses a password session, ADR 0012).
      session({ session, token }) {
        if (token.sub) session.user.id = token.sub;
        session.user.sessionId = typeof token.sid === "string" ? token.sid : "";
        session.user.signInMethod = token.sm === "sso" ? "sso" : "password";
        return session;
      },
    },
  };
}

import type { NextAuthConfig } from "next-auth";
import { env } from "./env";

export const SIGN_IN_PATH = "/signin";

/** The id of the instance's OpenID Connect provider (its callback is /api/auth/callback/oidc). */
export const OIDC_PROVIDER_ID = "oidc";

// The part of the next-auth configuration that needs no database: secret, session strategy, pages
// and the callbacks that shape the JWT. proxy.ts runs with only this; auth.ts adds the Credentials
// provider, which reads users through @gatehouse/db.
export function baseAuthConfig(): NextAuthConfig {
  const e = env();
  return {
    secret: e.AUTH_SECRET,
    // With AUTH_URL set, next-auth takes the console's origin from it, never from the Host header.
    trustHost: e.AUTH_TRUST_HOST || e.AUTH_URL !== undefined,
    session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
    pages: { signIn: SIGN_IN_PATH, error: SIGN_IN_PATH },
    providers: [],
    callbacks: {
      // The session carries the user's session version from sign-in; server/session.ts refuses it
      // once the version moved on (password changed or reset, "sign out everywhere").
      // It also records how the user signed in (sm: "password" or "sso"): an org that requires single
      // sign-on refuses a password session (ADR 0012).
      jwt({ token, user, account }) {
        if (user?.id) {
          token.sub = user.id;
          token.sv = user.sessionVersion ?? 0;
          token.sm = account?.provider === OIDC_PROVIDER_ID ? "sso" : "password";
        }
        return token;
      },
      session({ session, token }) {
        if (token.sub) session.user.id = token.sub;
        session.user.sessionVersion = typeof token.sv === "number" ? token.sv : 0;
        session.user.signInMethod = token.sm === "sso" ? "sso" : "password";
        return session;
      },
    },
  };
}

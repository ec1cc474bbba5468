import type { DefaultSession } from "next-auth";

declare module "next-auth" {
  interface Session {
    /** sessionId: the session's console_sessions row (getSessionAccount reads it on every request). */
    /** signInMethod: how this session was signed in (an org may require "sso"). */
    user: { id: string; sessionId: string; signInMethod: "password" | "sso" } & DefaultSession["user"];
  }
  interface User {
    /** The user's session version as the sign-in read it: the session is recorded only while it is still the user's. */
    sessionVersion?: number;
  }
}

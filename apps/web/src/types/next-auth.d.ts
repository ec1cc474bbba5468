import type { DefaultSession } from "next-auth";

declare module "next-auth" {
  interface Session {
    /** sessionVersion: the user's session version when this session was issued (getSessionAccount compares it). */
    /** signInMethod: how this session was signed in (an org may require "sso"). */
    user: { id: string; sessionVersion: number; signInMethod: "password" | "sso" } & DefaultSession["user"];
  }
  interface User {
    sessionVersion?: number;
  }
}

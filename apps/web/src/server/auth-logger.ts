import type { NextAuthConfig } from "next-auth";

/** Where the console's auth lines go (the process's console; a test passes its own). */
export interface AuthLogSink {
  warn(line: string): void;
  error(...parts: unknown[]): void;
}

type AuthLogger = NonNullable<NextAuthConfig["logger"]>;

/**
 * next-auth's logger for the console. A refused sign-in (a wrong password, an unknown email, too many
 * attempts, an unverified email: next-auth's CredentialsSignin and its subclasses) is an everyday
 * answer, not a fault: one line naming its code, no stack and nothing the user typed. Every other
 * error keeps next-auth's detail (its name, message and stack) for whoever runs the console.
 */
export function authLogger(sink: AuthLogSink = console): AuthLogger {
  return {
    error(error: Error) {
      const type = (error as { type?: unknown }).type;
      if (type === "CredentialsSignin") {
        const code = (error as { code?: unknown }).code;
        sink.warn(`[auth] sign-in refused (${typeof code === "string" ? code : "credentials"})`);
        return;
      }
      sink.error(`[auth][error] ${typeof type === "string" ? type : error.name}: ${error.message}`, error);
    },
  };
}

/** The one logger the console's next-auth configuration uses (auth.config.ts). */
export const AUTH_LOGGER = authLogger();

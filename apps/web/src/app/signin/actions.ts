"use server";

import { AuthError } from "next-auth";
import { EmailNotVerified, signIn, TooManySignInAttempts } from "@/auth";
import { OIDC_PROVIDER_ID } from "@/auth.config";
import { safeRedirectPath } from "@/lib/safe-redirect";

export interface SignInState {
  error: string | null;
  email: string;
  /** The password was right but the email is not verified yet: the form offers to resend the link. */
  unverified?: boolean;
}

export async function signInWithPassword(_previous: SignInState, form: FormData): Promise<SignInState> {
  const email = String(form.get("email") ?? "").trim();
  const password = String(form.get("password") ?? "");
  if (!email || !password) return { error: "Enter your email and password.", email };

  try {
    await signIn("credentials", { email, password, redirectTo: safeRedirectPath(form.get("callbackUrl")) });
  } catch (error) {
    if (error instanceof EmailNotVerified) {
      return { error: "Your email is not verified yet. Open the link we sent you, or ask for a new one.", email, unverified: true };
    }
    if (error instanceof TooManySignInAttempts) {
      return { error: `Too many failed sign-in attempts. Try again in ${error.retryAfterSeconds} s.`, email };
    }
    if (error instanceof AuthError) {
      const message = error.type === "CredentialsSignin" ? "Wrong email or password." : "Sign-in is unavailable right now. Try again in a moment.";
      return { error: message, email };
    }
    // Success ends in a redirect, which Next.js signals by throwing.
    throw error;
  }
  return { error: null, email };
}

/** "Sign in with <provider>": off to the instance's OpenID Connect provider, back at callbackUrl. */
export async function signInWithSsoProvider(form: FormData): Promise<void> {
  await signIn(OIDC_PROVIDER_ID, { redirectTo: safeRedirectPath(form.get("callbackUrl")) });
}

"use server";

import { AuthError } from "next-auth";
import { requestSignInLink } from "@gatehouse/db";
import { EMAIL_LINK_PROVIDER_ID, EmailNotVerified, signIn, SignInLinkRefused, TooManySignInAttempts } from "@/auth";
import type { FormState } from "@/components/form-fields";
import { requestSource } from "@/server/console-url";
import { formStateOf, formValues } from "@/server/form-errors";
import { OIDC_PROVIDER_ID } from "@/auth.config";
import { safeRedirectPath } from "@/lib/safe-redirect";

export interface SignInState {
  error: string | null;
  email: string;
  /** The password was right but the email is not verified yet: the form offers to resend the link. */
  unverified?: boolean;
  /** Refused by the sign-in limits: the form offers an emailed sign-in link, which they do not stop. */
  limited?: boolean;
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
      return { error: `Too many failed sign-in attempts. Try again in ${error.retryAfterSeconds} s, or sign in with a link we email you.`, email, limited: true };
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

/** "Email me a sign-in link": the same answer whether or not the address has an account (requestSignInLink). */
export async function requestSignInLinkAction(_previous: FormState, form: FormData): Promise<FormState> {
  const values = formValues(form, ["email"]);
  try {
    await requestSignInLink({ input: { ...values, source: await requestSource() } });
  } catch (error) {
    return formStateOf(error, values);
  }
  return { error: null, fields: {}, values, notice: "If that address has a Gatehouse account, a sign-in link is on its way. It works once, for 15 minutes." };
}

/** The button on the emailed link's page: spends the link and signs in (a GET never does: mail scanners open links). */
export async function signInWithLinkAction(_previous: FormState, form: FormData): Promise<FormState> {
  try {
    await signIn(EMAIL_LINK_PROVIDER_ID, { token: String(form.get("token") ?? ""), redirectTo: "/" });
  } catch (error) {
    if (error instanceof SignInLinkRefused) {
      return { error: "This link is not valid: it was used already, has expired, or a newer one was sent. Ask for a new one.", fields: {}, values: {} };
    }
    if (error instanceof AuthError) return { error: "Sign-in is unavailable right now. Try again in a moment.", fields: {}, values: {} };
    throw error;
  }
  return { error: null, fields: {}, values: {} };
}

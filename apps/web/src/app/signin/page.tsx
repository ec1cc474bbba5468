import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { signupMode } from "@gatehouse/db";
import { Logo } from "@/components/logo";
import { SsoSignInButton } from "@/components/sso-sign-in-button";
import { oidcConfig } from "@/env";
import { safeRedirectPath } from "@/lib/safe-redirect";
import { getSessionUser } from "@/server/session";
import { SignInForm } from "./sign-in-form";

export const metadata: Metadata = { title: "Sign in" };

// next-auth sends people here with ?error= when a sign-in fails outside the form.
const ERRORS: Record<string, string> = {
  CredentialsSignin: "Wrong email or password.",
  SessionRequired: "Sign in to continue.",
  OAuthCallbackError: "Single sign-on did not complete. Try again.",
  AccessDenied: "Single sign-on was refused.",
  Configuration: "Sign-in is unavailable right now. Try again in a moment.",
};

// A single sign-on refused by Gatehouse (auth.ts, ?error=sso&code=…).
const SSO_ERRORS: Record<string, string> = {
  sso_email_unverified: "Your identity provider did not confirm your email address as verified, so Gatehouse cannot sign you in with it.",
  sso_identity_mismatch: "This email's Gatehouse account is linked to another identity at your identity provider. Ask an administrator.",
};

// Where the account pages send people back to sign in (?notice=).
const NOTICES: Record<string, string> = {
  verified: "Your email is verified. Sign in to continue.",
  reset: "Your password was changed. Sign in with the new one.",
  ended: "Your session ended: you signed out, the password changed, or your access to an organization changed. Sign in again.",
};

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function SignInPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const callbackUrl = safeRedirectPath(params.callbackUrl);
  if (await getSessionUser()) redirect(callbackUrl);
  const errorCode = typeof params.error === "string" ? params.error : null;
  // A sign-in posted straight to next-auth and refused by the sign-in limits (auth.ts).
  const rateLimited = errorCode === "CredentialsSignin" && params.code === "rate_limited";
  const unverified = errorCode === "CredentialsSignin" && params.code === "email_unverified";
  const linkSpent = errorCode === "CredentialsSignin" && params.code === "link_spent";
  const ssoError = errorCode === "sso" ? (SSO_ERRORS[String(params.code)] ?? "Single sign-on was refused.") : null;
  const initialError = ssoError
    ? ssoError
    : rateLimited
      ? "Too many failed sign-in attempts. Try again in a minute, or sign in with a link we email you."
      : unverified
        ? "Your email is not verified yet. Open the link we sent you, or ask for a new one."
        : linkSpent
          ? "This sign-in link is not valid: it was used already, has expired, or a newer one was sent. Ask for a new one."
          : errorCode
            ? (ERRORS[errorCode] ?? "Sign-in failed. Try again.")
            : null;
  const notice = typeof params.notice === "string" ? (NOTICES[params.notice] ?? null) : null;
  // The email to fill in (a verification link continues here with its account's address).
  const email = typeof params.email === "string" ? params.email.slice(0, 320) : "";
  const signupOpen = signupMode() === "open";
  const oidc = oidcConfig();

  return (
    <main className="grid min-h-dvh place-items-center px-4 py-12">
      <div className="w-full max-w-sm">
        <Logo className="text-lg" />
        <h1 className="mt-8 text-2xl font-semibold tracking-tight">Sign in</h1>
        <p className="mt-1 text-sm text-stone-600">Use the email and password of your Gatehouse account.</p>
        <div className="mt-8 rounded-xl border border-stone-200 bg-white p-6 shadow-sm">
          <SignInForm callbackUrl={callbackUrl} initialError={initialError} initialUnverified={unverified} initialLimited={rateLimited} notice={notice} initialEmail={email} />
          {oidc ? (
            <div className="mt-5 border-t border-stone-200 pt-5">
              <SsoSignInButton name={oidc.name} callbackUrl={callbackUrl} />
            </div>
          ) : null}
        </div>
        <div className="mt-6 space-y-2 text-center text-sm text-stone-600">
          <p>
            <Link href="/signin/email" className="font-medium text-stone-900 underline-offset-2 hover:underline">
              Email me a sign-in link
            </Link>
          </p>
          <p>
            <Link href="/forgot-password" className="font-medium text-stone-900 underline-offset-2 hover:underline">
              Forgot your password?
            </Link>
          </p>
          {signupOpen ? (
            <p>
              New to Gatehouse?{" "}
              <Link href="/signup" className="font-medium text-stone-900 underline-offset-2 hover:underline">
                Create an account
              </Link>
            </p>
          ) : null}
        </div>
      </div>
    </main>
  );
}

"use client";

import Link from "next/link";
import { useActionState } from "react";
import { signInWithPassword, type SignInState } from "./actions";

export function SignInForm(props: {
  callbackUrl: string;
  initialError: string | null;
  initialUnverified?: boolean;
  initialLimited?: boolean;
  notice?: string | null;
  initialEmail?: string;
}) {
  const { callbackUrl, initialError, initialUnverified = false, initialLimited = false, notice = null, initialEmail = "" } = props;
  const [state, action, pending] = useActionState<SignInState, FormData>(signInWithPassword, {
    error: initialError,
    email: initialEmail,
    unverified: initialUnverified,
    limited: initialLimited,
  });

  return (
    <form action={action} className="space-y-5" noValidate>
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
      {notice && !state.error ? (
        <p role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
          {notice}
        </p>
      ) : null}
      {state.error ? (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {state.error}
          {state.unverified ? (
            <>
              {" "}
              <Link href={`/verify-email/resend${state.email ? `?email=${encodeURIComponent(state.email)}` : ""}`} className="font-medium underline">
                Resend the link
              </Link>
            </>
          ) : null}
          {state.limited ? (
            <>
              {" "}
              <Link href={`/signin/email${state.email ? `?email=${encodeURIComponent(state.email)}` : ""}`} className="font-medium underline">
                Email me a sign-in link
              </Link>
            </>
          ) : null}
        </p>
      ) : null}
      <div className="space-y-1.5">
        <label htmlFor="email" className="block text-sm font-medium text-stone-700">
          Email
        </label>
        <input
          id="email"
          name="email"
          type="email"
          autoComplete="username"
          required
          defaultValue={state.email}
          className="block w-full rounded-md border border-stone-300 bg-white px-3 py-2 text-sm shadow-xs placeholder:text-stone-400 focus:border-stone-500 focus:outline-none"
        />
      </div>
      <div className="space-y-1.5">
        <label htmlFor="password" className="block text-sm font-medium text-stone-700">
          Password
        </label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          className="block w-full rounded-md border border-stone-300 bg-white px-3 py-2 text-sm shadow-xs focus:border-stone-500 focus:outline-none"
        />
      </div>
      <button
        type="submit"
        disabled={pending}
        className="w-full rounded-md bg-stone-900 px-3 py-2 text-sm font-medium text-white hover:bg-stone-800 disabled:cursor-wait disabled:opacity-70"
      >
        {pending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}

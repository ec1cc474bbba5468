"use client";

import Link from "next/link";
import { useActionState } from "react";
import { emptyFormState, FormAlert, SubmitButton, type FormState } from "@/components/form-fields";
import { signInWithLinkAction } from "../actions";

// A button, not a sign-in on GET: mail scanners open links in messages, and would spend the single-use link.
export function SignInLinkForm({ token }: { token: string }) {
  const [state, action, pending] = useActionState<FormState, FormData>(signInWithLinkAction, emptyFormState);
  return (
    <form action={action} className="space-y-5">
      {state.error ? (
        <FormAlert>
          {state.error}{" "}
          <Link href="/signin/email" className="font-medium underline">
            Send a new link
          </Link>
        </FormAlert>
      ) : null}
      <input type="hidden" name="token" value={token} />
      <SubmitButton pending={pending} pendingText="Signing in…">
        Sign in
      </SubmitButton>
    </form>
  );
}

"use client";

import Link from "next/link";
import { useActionState } from "react";
import { emptyFormState, FormAlert, SubmitButton, type FormState } from "@/components/form-fields";
import { verifyEmailAction } from "./actions";

// A button, not a verification on GET: mail scanners open links in messages, and would spend the single-use link.
export function VerifyForm({ token }: { token: string }) {
  const [state, action, pending] = useActionState<FormState, FormData>(verifyEmailAction, emptyFormState);
  return (
    <form action={action} className="space-y-5">
      {state.error ? (
        <FormAlert>
          {state.error}{" "}
          <Link href="/verify-email/resend" className="font-medium underline">
            Resend the link
          </Link>
        </FormAlert>
      ) : null}
      <input type="hidden" name="token" value={token} />
      <SubmitButton pending={pending} pendingText="Verifying…">
        Verify my email
      </SubmitButton>
    </form>
  );
}

"use client";

import Link from "next/link";
import { useActionState } from "react";
import { PASSWORD_HINT } from "@gatehouse/core/password-rule";
import { emptyFormState, FormAlert, SubmitButton, TextField, type FormState } from "@/components/form-fields";
import { resetPasswordAction } from "./actions";

export function ResetForm({ token }: { token: string }) {
  const [state, action, pending] = useActionState<FormState, FormData>(resetPasswordAction, emptyFormState);
  return (
    <form action={action} className="space-y-5" noValidate>
      {state.error ? (
        <FormAlert>
          {state.error}
          {state.fields.token ? (
            <>
              {" "}
              <Link href="/forgot-password" className="font-medium underline">
                Ask for a new link
              </Link>
            </>
          ) : null}
        </FormAlert>
      ) : null}
      <input type="hidden" name="token" value={token} />
      <TextField name="password" label="New password" type="password" autoComplete="new-password" maxLength={200} error={state.fields.password} hint={PASSWORD_HINT} />
      <SubmitButton pending={pending} pendingText="Saving…">
        Set the new password
      </SubmitButton>
    </form>
  );
}

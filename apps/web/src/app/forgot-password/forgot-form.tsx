"use client";

import { useActionState } from "react";
import { emptyFormState, FormAlert, SubmitButton, TextField, type FormState } from "@/components/form-fields";
import { forgotPasswordAction } from "./actions";

export function ForgotForm() {
  const [state, action, pending] = useActionState<FormState, FormData>(forgotPasswordAction, emptyFormState);
  return (
    <form action={action} className="space-y-5" noValidate>
      {state.error ? <FormAlert>{state.error}</FormAlert> : null}
      {state.notice ? <FormAlert tone="info">{state.notice}</FormAlert> : null}
      <TextField name="email" label="Email" type="email" autoComplete="email" maxLength={320} defaultValue={state.values.email} error={state.fields.email} />
      <SubmitButton pending={pending} pendingText="Sending…">
        Send me a link
      </SubmitButton>
    </form>
  );
}

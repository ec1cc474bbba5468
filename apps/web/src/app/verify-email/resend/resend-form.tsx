"use client";

import { useActionState } from "react";
import { FormAlert, SubmitButton, TextField, type FormState } from "@/components/form-fields";
import { resendAction } from "../actions";

export function ResendForm({ email }: { email: string }) {
  const [state, action, pending] = useActionState<FormState, FormData>(resendAction, { error: null, fields: {}, values: { email } });
  return (
    <form action={action} className="space-y-5" noValidate>
      {state.error ? <FormAlert>{state.error}</FormAlert> : null}
      {state.notice ? <FormAlert tone="info">{state.notice}</FormAlert> : null}
      <TextField name="email" label="Email" type="email" autoComplete="email" maxLength={320} defaultValue={state.values.email} error={state.fields.email} />
      <SubmitButton pending={pending} pendingText="Sending…">
        Send a new link
      </SubmitButton>
    </form>
  );
}

"use client";

import { useActionState } from "react";
import { FormAlert, SubmitButton, TextField, type FormState } from "@/components/form-fields";

/** One email field that asks for a link by mail (a password reset, a new verification link); the answer is the same whether or not the email has an account. */
export function EmailLinkForm({ action, email = "", submitLabel }: { action: (previous: FormState, form: FormData) => Promise<FormState>; email?: string; submitLabel: string }) {
  const [state, formAction, pending] = useActionState<FormState, FormData>(action, { error: null, fields: {}, values: { email } });
  return (
    <form action={formAction} className="space-y-5" noValidate>
      {state.error ? <FormAlert>{state.error}</FormAlert> : null}
      {state.notice ? <FormAlert tone="info">{state.notice}</FormAlert> : null}
      <TextField name="email" label="Email" type="email" autoComplete="email" maxLength={320} defaultValue={state.values.email} error={state.fields.email} />
      <SubmitButton pending={pending} pendingText="Sending…">
        {submitLabel}
      </SubmitButton>
    </form>
  );
}

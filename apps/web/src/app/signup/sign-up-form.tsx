"use client";

import { useActionState } from "react";
import { PASSWORD_HINT } from "@gatehouse/core/password-rule";
import { emptyFormState, FormAlert, SubmitButton, TextField, type FormState } from "@/components/form-fields";
import { signUpAction } from "./actions";

export function SignUpForm() {
  const [state, action, pending] = useActionState<FormState, FormData>(signUpAction, emptyFormState);
  return (
    <form action={action} className="space-y-5" noValidate>
      {state.error ? <FormAlert>{state.error}</FormAlert> : null}
      <TextField name="name" label="Name" autoComplete="name" maxLength={200} defaultValue={state.values.name} error={state.fields.name} />
      <TextField name="email" label="Email" type="email" autoComplete="email" maxLength={320} defaultValue={state.values.email} error={state.fields.email} />
      <TextField name="password" label="Password" type="password" autoComplete="new-password" maxLength={200} error={state.fields.password} hint={PASSWORD_HINT} />
      <SubmitButton pending={pending} pendingText="Creating your account…">
        Create account
      </SubmitButton>
    </form>
  );
}

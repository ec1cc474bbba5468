"use client";

import { useActionState } from "react";
import { PASSWORD_HINT } from "@gatehouse/core/password-rule";
import { emptyFormState, FormAlert, SubmitButton, TextField, type FormState } from "@/components/form-fields";
import { changePasswordAction, endAllSessionsAction } from "./actions";

export function ChangePasswordForm() {
  const [state, action, pending] = useActionState<FormState, FormData>(changePasswordAction, emptyFormState);
  return (
    <form action={action} className="space-y-5" noValidate>
      {state.error ? <FormAlert>{state.error}</FormAlert> : null}
      <TextField name="currentPassword" label="Current password" type="password" autoComplete="current-password" maxLength={1024} error={state.fields.currentPassword} />
      <TextField name="newPassword" label="New password" type="password" autoComplete="new-password" maxLength={200} error={state.fields.newPassword} hint={PASSWORD_HINT} />
      <SubmitButton pending={pending} pendingText="Changing…">
        Change password
      </SubmitButton>
    </form>
  );
}

export function EndAllSessionsForm() {
  return (
    <form action={endAllSessionsAction}>
      <button type="submit" className="w-full rounded-md border border-stone-300 bg-white px-3 py-2 text-sm font-medium text-stone-900 hover:bg-stone-50">
        Sign out everywhere
      </button>
    </form>
  );
}

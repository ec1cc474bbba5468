"use client";

import { useActionState } from "react";
import { PASSWORD_HINT } from "@gatehouse/core/password-rule";
import { emptyFormState, FormAlert, SubmitButton, TextField, type FormState } from "@/components/form-fields";
import { buttonClass } from "@/components/button";
import { acceptAsSignedIn, acceptWithNewAccount, signOutToInvite } from "./actions";

export function AcceptSignedInForm({ token, orgName, role }: { token: string; orgName: string; role: string }) {
  const [state, action, pending] = useActionState<FormState>(acceptAsSignedIn.bind(null, token), emptyFormState);
  return (
    <form action={action} className="space-y-4">
      {state.error ? <FormAlert>{state.error}</FormAlert> : null}
      <p className="text-sm text-stone-700">
        You join {orgName} with the role {role}.
      </p>
      <SubmitButton pending={pending} pendingText="Joining…">
        Accept and join {orgName}
      </SubmitButton>
    </form>
  );
}

export function NewAccountForm({ token, email, orgName }: { token: string; email: string; orgName: string }) {
  const [state, action, pending] = useActionState<FormState, FormData>(acceptWithNewAccount.bind(null, token), emptyFormState);
  return (
    <form action={action} className="space-y-5" noValidate>
      {state.error ? <FormAlert>{state.error}</FormAlert> : null}
      <p className="text-sm text-stone-700">
        Create your account for {email} to join {orgName}.
      </p>
      <TextField name="name" label="Your name" autoComplete="name" maxLength={200} defaultValue={state.values.name} error={state.fields.name} />
      <TextField name="password" label="Password" type="password" autoComplete="new-password" maxLength={200} error={state.fields.password} hint={PASSWORD_HINT} />
      <SubmitButton pending={pending} pendingText="Creating your account…">
        Create account and join
      </SubmitButton>
    </form>
  );
}

export function SignOutToInviteForm({ token }: { token: string }) {
  return (
    <form action={signOutToInvite.bind(null, token)}>
      <button type="submit" className={buttonClass({ variant: "secondary", className: "w-full" })}>
        Sign out and switch account
      </button>
    </form>
  );
}

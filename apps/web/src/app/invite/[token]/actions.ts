"use server";

import { redirect } from "next/navigation";
import { AuthError } from "next-auth";
import { PASSWORD_MIN } from "@gatehouse/core/password-rule";
import { acceptInvitation, getInvitationByToken, isDomainError } from "@gatehouse/db";
import { signIn, signOut } from "@/auth";
import type { FormState } from "@/components/form-fields";
import { formStateOf } from "@/server/form-errors";
import { getSessionUser } from "@/server/session";

const invitePath = (token: string) => `/invite/${encodeURIComponent(token)}`;

/** The service's field paths (`newAccount.name`) as the form's (`name`). */
function withFormFields(state: FormState): FormState {
  const fields = Object.fromEntries(Object.entries(state.fields).map(([path, message]) => [path.replace(/^newAccount\./, ""), message]));
  return { ...state, fields };
}

/** Accepts as the signed-in user (the service checks the email), then opens the org. */
export async function acceptAsSignedIn(token: string, _previous: FormState): Promise<FormState> {
  const user = await getSessionUser();
  if (!user) redirect(`/signin?callbackUrl=${encodeURIComponent(invitePath(token))}`);
  let slug: string;
  try {
    ({
      org: { slug },
    } = await acceptInvitation({ input: { token, user: { id: user.id } } }));
  } catch (error) {
    return formStateOf(error, {});
  }
  redirect(`/o/${encodeURIComponent(slug)}`);
}

/** Creates the invited account (name + password) with the membership, then signs it in and opens the org. */
export async function acceptWithNewAccount(token: string, _previous: FormState, form: FormData): Promise<FormState> {
  const name = String(form.get("name") ?? "");
  const password = String(form.get("password") ?? "");
  const values = { name };
  let accepted;
  try {
    accepted = await acceptInvitation({ input: { token, newAccount: { name, password } } });
  } catch (error) {
    if (isDomainError(error) && error.code === "VALIDATION") {
      const state = withFormFields(formStateOf(error, values));
      // A refused union names no field: say what the form needs.
      return Object.keys(state.fields).length > 0 ? state : { ...state, error: `Enter your name and a password of at least ${PASSWORD_MIN} characters.` };
    }
    return withFormFields(formStateOf(error, values));
  }
  const { email } = await getInvitationByToken({ token });
  try {
    await signIn("credentials", { email, password, redirectTo: `/o/${encodeURIComponent(accepted.org.slug)}` });
  } catch (error) {
    if (error instanceof AuthError) redirect(`/signin?callbackUrl=${encodeURIComponent(`/o/${accepted.org.slug}`)}`);
    // Success ends in a redirect, which Next.js signals by throwing.
    throw error;
  }
  return { error: null, fields: {}, values };
}

/** Signed in with another address: sign out, then sign in again and come back to the invitation. */
export async function signOutToInvite(token: string): Promise<void> {
  await signOut({ redirectTo: `/signin?callbackUrl=${encodeURIComponent(invitePath(token))}` });
}

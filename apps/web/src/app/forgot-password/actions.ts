"use server";

import { requestPasswordReset } from "@gatehouse/db";
import type { FormState } from "@/components/form-fields";
import { requestSource } from "@/server/console-url";
import { formStateOf, formValues } from "@/server/form-errors";

export async function forgotPasswordAction(_previous: FormState, form: FormData): Promise<FormState> {
  const values = formValues(form, ["email"]);
  try {
    await requestPasswordReset({ input: { ...values, source: await requestSource() } });
  } catch (error) {
    return formStateOf(error, values);
  }
  // The same answer whether or not the address has an account.
  return { error: null, fields: {}, values, notice: "If that address has a Gatehouse account, a link to choose a new password is on its way. It works once, for 1 hour." };
}

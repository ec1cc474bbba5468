"use server";

import { resendVerification } from "@gatehouse/db";
import type { FormState } from "@/components/form-fields";
import { requestSource } from "@/server/console-url";
import { formStateOf, formValues } from "@/server/form-errors";

export async function resendAction(_previous: FormState, form: FormData): Promise<FormState> {
  const values = formValues(form, ["email"]);
  try {
    // Not awaited past the hand-over: the answer is the same, as fast, for any address.
    await resendVerification({ input: { ...values, source: await requestSource() } });
  } catch (error) {
    return formStateOf(error, values);
  }
  return { ...emptyState(values), notice: "If that address has an account waiting for verification, a new link is on its way. It works once, for 24 hours." };
}

function emptyState(values: Record<string, string>): FormState {
  return { error: null, fields: {}, values };
}

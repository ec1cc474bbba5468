"use server";

import { redirect } from "next/navigation";
import { resetPassword } from "@gatehouse/db";
import type { FormState } from "@/components/form-fields";
import { formStateOf } from "@/server/form-errors";

export async function resetPasswordAction(_previous: FormState, form: FormData): Promise<FormState> {
  try {
    await resetPassword({ input: { token: String(form.get("token") ?? ""), password: String(form.get("password") ?? "") } });
  } catch (error) {
    const state = formStateOf(error, {});
    return state.fields.token ? { ...state, error: "This link is not valid: it was used already, has expired, or a newer one was sent. Ask for a new one." } : state;
  }
  redirect("/signin?notice=reset");
}

"use server";

import { redirect } from "next/navigation";
import { createOwnOrg, signUp } from "@gatehouse/db";
import type { FormState } from "@/components/form-fields";
import { requestSource } from "@/server/console-url";
import { formStateOf, formValues } from "@/server/form-errors";
import { requireSessionUser } from "@/server/session";

export async function signUpAction(_previous: FormState, form: FormData): Promise<FormState> {
  const values = formValues(form, ["name", "email"]);
  let email: string;
  try {
    ({ email } = await signUp({ input: { ...values, password: String(form.get("password") ?? ""), source: await requestSource() } }));
  } catch (error) {
    return formStateOf(error, values);
  }
  redirect(`/signup/check-email?email=${encodeURIComponent(email)}`);
}

export async function createOrgAction(_previous: FormState, form: FormData): Promise<FormState> {
  const user = await requireSessionUser();
  const values = formValues(form, ["name", "slug"]);
  let slug: string;
  try {
    ({
      org: { slug },
    } = await createOwnOrg({ userId: user.id, input: values }));
  } catch (error) {
    return formStateOf(error, values);
  }
  // A new org lands on its home: the onboarding checklist.
  redirect(`/o/${encodeURIComponent(slug)}`);
}

"use server";

import { changePassword, endAllSessions } from "@gatehouse/db";
import { signIn, signOut } from "@/auth";
import { SIGN_IN_PATH } from "@/auth.config";
import type { FormState } from "@/components/form-fields";
import { formStateOf } from "@/server/form-errors";
import { requireSessionUser } from "@/server/session";

/** Changes the password (every session ends), then signs this browser in again with the new one. */
export async function changePasswordAction(_previous: FormState, form: FormData): Promise<FormState> {
  const user = await requireSessionUser();
  const newPassword = String(form.get("newPassword") ?? "");
  try {
    await changePassword({ userId: user.id, input: { currentPassword: String(form.get("currentPassword") ?? ""), newPassword } });
  } catch (error) {
    return formStateOf(error, {});
  }
  await signIn("credentials", { email: user.email, password: newPassword, redirectTo: "/account?notice=password-changed" });
  return { error: null, fields: {}, values: {} };
}

/** Ends every session of the account, this one included. */
export async function endAllSessionsAction(): Promise<void> {
  const user = await requireSessionUser();
  await endAllSessions({ userId: user.id });
  await signOut({ redirectTo: `${SIGN_IN_PATH}?notice=ended` });
}

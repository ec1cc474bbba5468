"use server";

import { redirect } from "next/navigation";
import { decideByApprovalLink } from "@gatehouse/db";
import type { FormState } from "@/components/form-fields";
import { formStateOf } from "@/server/form-errors";
import { getSessionUser } from "@/server/session";

/**
 * The one step that decides through an emailed link (docs/approvals.md, Email): a POST (a server action,
 * same-origin only) from the signed-in member the link was sent to, in a session the org's sign-in rule accepts (an org
 * that requires single sign-on refuses a password session). Opening the link decides nothing.
 */
export async function decideByLink(token: string, _previous: FormState, form: FormData): Promise<FormState> {
  const user = await getSessionUser();
  if (!user) redirect(`/signin?callbackUrl=${encodeURIComponent(`/approve/${token}`)}`);
  const decision = form.get("decision");
  const reason = String(form.get("reason") ?? "").trim();
  if (decision !== "approve" && decision !== "deny") return { error: "Choose Approve or Deny.", fields: {}, values: { reason } };
  try {
    const decided = await decideByApprovalLink({
      input: { token, userId: user.id, signInMethod: user.signInMethod, decision, ...(reason ? { reason: reason.slice(0, 1_000) } : {}) },
    });
    return { error: null, fields: {}, values: {}, notice: `You ${decision === "approve" ? "approved" : "denied"} it: the request is ${decided.status}.` };
  } catch (error) {
    return formStateOf(error, { reason });
  }
}

"use server";

import { randomUUID } from "node:crypto";
import { redirect } from "next/navigation";
import { decideCliLogin } from "@gatehouse/db";
import type { FormState } from "@/components/form-fields";
import { formStateOf } from "@/server/form-errors";
import { memberContext } from "@/server/member-context";
import { getSessionUser } from "@/server/session";

/**
 * Confirms (or refuses) a CLI login (`gatehouse login --web`; packages/cli/README.md) for one of the member's orgs: a POST (a
 * server action, same-origin only) from a signed-in session, checked as every console call is (membership, the
 * org's sign-in rule, `keys.own`). `code` is the code the link carried (empty without one); `typedCode`, what the
 * member typed or left as filled in: an owner's confirmation needs it typed (decideCliLogin). Opening the page confirms nothing.
 */
export async function confirmCliLogin(_previous: FormState, form: FormData): Promise<FormState> {
  const linkCode = String(form.get("code") ?? "").trim();
  const typedCode = String(form.get("typedCode") ?? "").trim();
  const userCode = linkCode || typedCode;
  const orgSlug = String(form.get("org") ?? "");
  const user = await getSessionUser();
  if (!user) redirect(`/signin?callbackUrl=${encodeURIComponent(`/cli-login?${new URLSearchParams({ code: userCode })}`)}`);
  const decision = form.get("decision");
  const values = { code: userCode, org: orgSlug };
  if (decision !== "approve" && decision !== "deny") return { error: "Choose Confirm or Refuse.", fields: {}, values };
  if (!orgSlug) return { error: null, fields: { org: "Choose the organization to sign the CLI in to." }, values };
  try {
    const ctx = await memberContext(user, orgSlug, `req_${randomUUID()}`);
    const decided = await decideCliLogin({ ctx, input: { userCode, typedCode: typedCode || null, decision } });
    return {
      error: null,
      fields: {},
      values: {},
      notice:
        decided.status === "approved"
          ? `Confirmed: the CLI is signing in to ${ctx.org.name} as you. Go back to your terminal; you can close this page.`
          : "Refused: the CLI gets no key. You can close this page.",
    };
  } catch (error) {
    return formStateOf(error, values);
  }
}

import { forbidden, hashPassword, newId } from "@gatehouse/core";
import { z } from "zod";
import { db, TX_OPTIONS } from "../infra/client";
import { consoleOrigin } from "../infra/env";
import { isUniqueViolation } from "../infra/prisma-errors";
import { emailField, link, sourceField, nameField, newPasswordField, parse } from "./fields";
import { accountExistsMail, verificationMail } from "./mails";
import { signupMode } from "./signup-mode";
import { admitMailRequest } from "./mail-throttle";
import type { MailMessage } from "../mail/send-mail";
import { afterAnswering } from "./send-later";
import { issueToken, sentRecently } from "./tokens";

const inputSchema = z.object({ email: emailField, password: newPasswordField, name: nameField, source: sourceField });

export interface SignUpDeps {
  /** The password hash function (a test counts its calls: one in every branch). */
  hashPassword?: (password: string) => Promise<string>;
}

/**
 * Self-service sign-up (GATEHOUSE_SIGNUP=open): creates an unverified account and emails its
 * verification link (/verify-email?token=…, single-use, 24 h). The account cannot sign in until the
 * link is used.
 *
 * The answer says nothing about whether the address already had an account, and comes after the
 * same work: one password hash; the account is created (or, for a taken address, its owner looked
 * up) only after answering (afterAnswering). For a taken address no second account is made, and its
 * owner is mailed that someone tried to sign up, with a link to choose a new password (at most one
 * such link a minute, as for "forgot password"). A lost mail is asked for again ("resend the link",
 * "forgot password"). `sent` resolves when that work is done (tests wait on it).
 *
 * With GATEHOUSE_SIGNUP=invite, accounts are created by an invitation's accept link instead (verified,
 * since the invitation reached the address), so this refuses, as it does with off.
 */
export async function signUp({ input, deps = {} }: { input: unknown; deps?: SignUpDeps }): Promise<{ email: string; sent: Promise<void> }> {
  const mode = signupMode();
  if (mode !== "open")
    throw forbidden(mode === "invite" ? "Sign-up on this instance is by invitation only: use the link in your invitation." : "Sign-up is turned off on this instance.");
  const { email, password, name, source } = parse(inputSchema, input);
  await admitMailRequest(source);
  const passwordHash = await (deps.hashPassword ?? hashPassword)(password);
  return {
    email,
    sent: afterAnswering(async () => {
      try {
        const token = await db().$transaction(async (tx) => {
          const user = await tx.user.create({ data: { id: newId("user"), email, name, passwordHash, emailVerifiedAt: null } });
          return issueToken(tx, user.id, "verify_email");
        }, TX_OPTIONS);
        return verificationMail(email, name, link("verify-email", token));
      } catch (error) {
        if (isUniqueViolation(error)) return tellOwner(email);
        throw error;
      }
    }),
  };
}

/** Someone signed up with an address that has an account: its owner hears of it, with a reset link. */
async function tellOwner(email: string): Promise<MailMessage | null> {
  const user = await db().user.findUnique({ where: { email }, select: { id: true } });
  if (!user || (await sentRecently(user.id, "reset_password"))) return null;
  const token = await db().$transaction((tx) => issueToken(tx, user.id, "reset_password"), TX_OPTIONS);
  return accountExistsMail(email, new URL("/signin", consoleOrigin()).toString(), link("reset-password", token));
}

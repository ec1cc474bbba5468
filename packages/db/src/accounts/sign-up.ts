import { conflict, forbidden, hashPassword, isDomainError, newId, unavailable } from "@gatehouse/core";
import { z } from "zod";
import { db, TX_OPTIONS } from "../infra/client";
import { isUniqueViolation } from "../infra/prisma-errors";
import { sendMail } from "../mail/send-mail";
import { emailField, link, sourceField, nameField, newPasswordField, parse } from "./fields";
import { verificationMail } from "./mails";
import { signupMode } from "./signup-mode";
import { admitMailRequest } from "./mail-throttle";
import { issueToken } from "./tokens";

const inputSchema = z.object({ email: emailField, password: newPasswordField, name: nameField, source: sourceField });

/**
 * Self-service sign-up (GATEHOUSE_SIGNUP=open): creates an unverified account and emails its
 * verification link (/verify-email?token=…, single-use, 24 h). The account cannot sign in until the
 * link is used. An email that already has an account is a 409. The mail is sent after the account
 * is committed; if sending fails the answer is 503 and the account stays, waiting for "resend the link".
 *
 * With GATEHOUSE_SIGNUP=invite, accounts are created by an invitation's accept link instead (verified,
 * since the invitation reached the address), so this refuses, as it does with off.
 */
export async function signUp({ input }: { input: unknown }): Promise<{ userId: string; email: string }> {
  const mode = signupMode();
  if (mode !== "open")
    throw forbidden(mode === "invite" ? "Sign-up on this instance is by invitation only: use the link in your invitation." : "Sign-up is turned off on this instance.");
  const { email, password, name, source } = parse(inputSchema, input);
  await admitMailRequest(source);
  const passwordHash = await hashPassword(password);
  let created: { userId: string; token: string };
  try {
    created = await db().$transaction(async (tx) => {
      const user = await tx.user.create({ data: { id: newId("user"), email, name, passwordHash, emailVerifiedAt: null } });
      return { userId: user.id, token: await issueToken(tx, user.id, "verify_email") };
    }, TX_OPTIONS);
  } catch (error) {
    if (isUniqueViolation(error))
      throw conflict("An account with this email already exists. Sign in, or reset its password.", { issues: [{ path: "email", message: "already has an account" }] });
    throw error;
  }
  try {
    await sendMail(verificationMail(email, name, link("verify-email", created.token)));
  } catch (error) {
    if (isDomainError(error) && error.code === "UNAVAILABLE") {
      throw unavailable("Your account was created, but the verification email could not be sent. Use “Resend the link” on the sign-in page in a moment.", 30);
    }
    throw error;
  }
  return { userId: created.userId, email };
}

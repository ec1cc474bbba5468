import { randomToken, unavailable, validationError, zodIssues } from "@gatehouse/core";
import { createTransport, type Transporter } from "nodemailer";
import { z } from "zod";
import { dbEnv } from "../infra/env";
import { db } from "../infra/client";

const messageSchema = z.object({
  to: z.email().max(320),
  subject: z
    .string()
    .min(1)
    .max(200)
    .refine((s) => !/[\r\n]/.test(s), "must be one line"),
  text: z.string().min(1).max(20_000),
  html: z.string().min(1).max(50_000).optional(),
  /** The one link the message is about, for the development log line (never logged when SMTP is configured). */
  link: z.url().max(2_000).optional(),
});

export type MailMessage = z.input<typeof messageSchema>;

/** How the instance delivers mail: over SMTP (SMTP_URL set), or to the server log and the development outbox. */
export type MailMode = "smtp" | "outbox";

/** The newest messages the development outbox keeps; older ones are dropped as new ones arrive. */
export const DEV_OUTBOX_LIMIT = 200;

export function mailMode(): MailMode {
  return dbEnv().SMTP_URL ? "smtp" : "outbox";
}

let transport: { url: string; transporter: Transporter } | undefined;

function smtpTransport(url: string): Transporter {
  if (transport?.url !== url) {
    transport?.transporter.close();
    transport = { url, transporter: createTransport(url, { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 }) };
  }
  return transport.transporter;
}

/** Closes the SMTP connection pool (tests, shutdown). */
export function closeMail(): void {
  transport?.transporter.close();
  transport = undefined;
}

/**
 * Sends one message. With SMTP_URL set it goes to that server (From: MAIL_FROM); a refusal or an
 * unreachable server throws UNAVAILABLE (503) with no server detail, and nothing is retried here:
 * the callers send after their transaction committed, and every mail Gatehouse sends can be asked
 * for again (a new link), so a failed send loses nothing. Without SMTP_URL the message is written
 * to the server log (one line, with its link) and kept in the development outbox (/dev/outbox).
 */
export async function sendMail(message: MailMessage): Promise<void> {
  const parsed = messageSchema.safeParse(message);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const { to, subject, text, html, link } = parsed.data;
  const env = dbEnv();
  if (!env.SMTP_URL) {
    await db().$transaction([
      db().devOutboxMessage.create({ data: { id: `msg_${randomToken(22)}`, to, subject, text, html: html ?? null } }),
      db().$executeRaw`DELETE FROM "dev_outbox" WHERE "id" IN (SELECT "id" FROM "dev_outbox" ORDER BY "created_at" DESC, "id" OFFSET ${DEV_OUTBOX_LIMIT})`,
    ]);
    console.info(`[mail] (no SMTP_URL: kept in the development outbox, /dev/outbox) to ${to}: ${subject}${link ? ` ${link}` : ""}`);
    return;
  }
  try {
    await smtpTransport(env.SMTP_URL).sendMail({ from: env.MAIL_FROM, to, subject, text, ...(html ? { html } : {}) });
  } catch (error) {
    // The SMTP URL may hold credentials and the server's answer may echo them: log the kind only.
    const code = typeof error === "object" && error !== null && "code" in error ? String((error as { code: unknown }).code) : "unknown";
    console.warn(`[mail] sending to the SMTP server failed (${code})`);
    throw unavailable("The email could not be sent. Try again in a moment.", 30);
  }
}

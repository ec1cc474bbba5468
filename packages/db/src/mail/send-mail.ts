import { randomToken, unavailable, validationError, zodIssues } from "@gatehouse/core";
import { createTransport, type Transporter } from "nodemailer";
import { z } from "zod";
import { dbEnv, mailTransportOf, type MailTransport } from "../infra/env";
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
  /** The one link the message is about, for the development outbox's log line (logged by no other transport). */
  link: z.url().max(2_000).optional(),
});

export type MailMessage = z.input<typeof messageSchema>;

/** How the instance delivers mail (mailTransportOf in infra/env.ts): over SMTP, into the development outbox, or not at all. */
export type MailMode = MailTransport;

/** The newest messages the development outbox keeps; older ones are dropped as new ones arrive. */
export const DEV_OUTBOX_LIMIT = 200;

/** The transport in force; a setting that has none (production without SMTP_URL) is an error (the start-up check names it). */
export function mailMode(): MailMode {
  const mail = mailTransportOf(dbEnv());
  if ("problem" in mail) throw new Error(mail.problem);
  return mail.transport;
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
 * for again (a new link), so a failed send loses nothing. In the development outbox (an instance
 * started by `npm start`) the message is kept for /dev/outbox and logged as one line with its link;
 * with mail off it is dropped and logged by its subject alone (no recipient, link or token).
 */
export async function sendMail(message: MailMessage): Promise<void> {
  const parsed = messageSchema.safeParse(message);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const { to, subject, text, html, link } = parsed.data;
  const env = dbEnv();
  const mode = mailMode();
  if (mode === "off") {
    console.info(`[mail] not sent (mail is off): ${subject}`);
    return;
  }
  if (mode === "outbox") {
    await db().$transaction([
      db().devOutboxMessage.create({ data: { id: `msg_${randomToken(22)}`, to, subject, text, html: html ?? null } }),
      db().$executeRaw`DELETE FROM "dev_outbox" WHERE "id" IN (SELECT "id" FROM "dev_outbox" ORDER BY "created_at" DESC, "id" OFFSET ${DEV_OUTBOX_LIMIT})`,
    ]);
    console.info(`[mail] (development: kept in the outbox, /dev/outbox) to ${to}: ${subject}${link ? ` ${link}` : ""}`);
    return;
  }
  // mailTransportOf answers smtp only with SMTP_URL set; fail closed all the same.
  if (!env.SMTP_URL) throw unavailable("The email could not be sent. Try again in a moment.", 30);
  try {
    await smtpTransport(env.SMTP_URL).sendMail({ from: env.MAIL_FROM, to, subject, text, ...(html ? { html } : {}) });
  } catch (error) {
    // The SMTP URL may hold credentials and the server's answer may echo them: log the kind only.
    const code = typeof error === "object" && error !== null && "code" in error ? String((error as { code: unknown }).code) : "unknown";
    console.warn(`[mail] sending to the SMTP server failed (${code})`);
    throw unavailable("The email could not be sent. Try again in a moment.", 30);
  }
}

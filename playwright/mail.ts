import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ReceivedMail } from "./smtp";

/** A message received by the harness's SMTP server (playwright/smtp.ts), decoded enough to read. */
export interface Mail {
  to: string[];
  subject: string;
  /** The body with quoted-printable soft breaks and escapes undone. */
  text: string;
}

function decode(raw: string): { subject: string; text: string } {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = raw.slice(0, split).replace(/\r?\n[ \t]+/g, " ");
  const body = raw.slice(split).trim();
  const subject = /^subject: (.*)$/im.exec(headers)?.[1]?.trim() ?? "";
  const text = body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return { subject, text };
}

async function readAll(mailDir: string): Promise<Mail[]> {
  const files = (await readdir(mailDir)).filter((f) => f.endsWith(".json")).sort();
  return Promise.all(
    files.map(async (file) => {
      const received = JSON.parse(await readFile(join(mailDir, file), "utf8")) as ReceivedMail;
      const { subject, text } = decode(received.raw);
      return { to: received.to, subject, text };
    }),
  );
}

/** Waits (up to `timeoutMs`) for the newest message to `to` whose subject matches, and returns it. */
export async function waitForMail(mailDir: string, to: string, subject: RegExp, timeoutMs = 15_000): Promise<Mail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await readAll(mailDir)).filter((mail) => mail.to.includes(to.toLowerCase()) && subject.test(mail.subject)).at(-1);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no mail to ${to} with a subject matching ${subject} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The first link in the message to a path matching `path` (e.g. /\/verify-email\?token=/). */
export function linkIn(mail: Mail, path: RegExp): string {
  const link = (mail.text.match(/https?:\/\/[^\s<>"]+/g) ?? []).find((url) => path.test(url));
  if (!link) throw new Error(`no link to ${path} in the mail "${mail.subject}":\n${mail.text}`);
  return link;
}

import { randomBytes } from "node:crypto";
import { hashPassword, newId } from "@gatehouse/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSmtp, type ReceivedMail } from "./fixtures/smtp";
import type { Ctx } from "../src/actors/context";
import { closeSignals, disconnectDb } from "../src";
import { requestPasswordReset, resendVerification, signUp } from "../src/accounts";
import { db } from "../src/infra/client";
import { closeRateLimiter } from "../src/infra/rate-limiter";
import { createInvitation } from "../src/invitations";
import { closeMail } from "../src/mail";
import { createTestOrg, type TestOrg } from "../src/testing";

// Every mail Gatehouse sends × every way a caller could try to choose where its link points: the link
// is on GATEHOUSE_CONSOLE_URL (test/setup-env.ts) and nowhere else. Read from a real SMTP server.
// The console's request headers are the other half (scripts/test/compose-defaults.test.ts).

const CONFIGURED = "https://console.gatehouse.test";
let smtp: Awaited<ReturnType<typeof startTestSmtp>>;
let inbox: ReceivedMail[];
let org: TestOrg;

beforeAll(async () => {
  smtp = await startTestSmtp();
  inbox = smtp.inbox;
  // Before anything reads the environment (it is read once, on first use).
  process.env.SMTP_URL = smtp.url;
  org = await createTestOrg({ label: "mail-links" });
});
afterAll(async () => {
  delete process.env.SMTP_URL;
  closeMail();
  await smtp.stop();
  await disconnectDb();
  await closeSignals();
  await closeRateLimiter();
});

/** Every http(s) link in the newest mail to `email`, once it has arrived. */
async function linksTo(email: string): Promise<string[]> {
  for (let i = 0; i < 200 && !inbox.some((m) => m.to.includes(email)); i++) await new Promise((r) => setTimeout(r, 25));
  const mail = inbox.filter((m) => m.to.includes(email)).at(-1);
  if (!mail) throw new Error(`no mail to ${email}`);
  const text = mail.raw.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return text.match(/https?:\/\/[^\s<>"]+/g) ?? [];
}

const freshEmail = (label: string) => `${label}-${randomBytes(4).toString("hex")}@example.test`;
const PASSWORD = "a good long password";

/** What an old or hostile caller might pass to pick the link's origin; every one is ignored. */
const HOSTILE: Array<[string, Record<string, string>]> = [
  ["nothing", {}],
  ["linkBase", { linkBase: "https://evil.example" }],
  ["consoleUrl", { consoleUrl: "https://evil.example" }],
  ["origin and host", { origin: "https://evil.example", host: "evil.example" }],
  ["base with a path", { linkBase: "https://evil.example/console.gatehouse.test/" }],
];

/** An account waiting for verification with no link sent yet (so "at most one a minute" lets the next one go). */
async function unverifiedAccount(label: string): Promise<string> {
  const email = freshEmail(label);
  await db().user.create({ data: { id: newId("user"), email, name: "Link Test", passwordHash: await hashPassword(PASSWORD), emailVerifiedAt: null } });
  return email;
}

/** Each account mail: sends one to a fresh address with the hostile extras in the input and answers that address. */
const KINDS: Array<[string, (extra: Record<string, string>) => Promise<string>]> = [
  [
    "verification (sign-up)",
    async (extra) => {
      const email = freshEmail("verify");
      await signUp({ input: { email, password: PASSWORD, name: "Link Test", ...extra } });
      return email;
    },
  ],
  [
    "verification (resend)",
    async (extra) => {
      const email = await unverifiedAccount("resend");
      await (
        await resendVerification({ input: { email, ...extra } })
      ).sent;
      return email;
    },
  ],
  [
    "password reset",
    async (extra) => {
      const email = await unverifiedAccount("reset");
      await (
        await requestPasswordReset({ input: { email, ...extra } })
      ).sent;
      return email;
    },
  ],
];

describe("every mailed link starts with GATEHOUSE_CONSOLE_URL", () => {
  for (const [kind, send] of KINDS) {
    it.each(HOSTILE)(`${kind}, with %s in the input`, async (_label, extra) => {
      inbox.length = 0;
      const email = await send(extra);
      const links = await linksTo(email);
      expect(links.length).toBeGreaterThan(0);
      for (const link of links) expect(new URL(link).origin, link).toBe(CONFIGURED);
    });
  }

  it("invitation (the body takes no extra field, so its link has no other source)", async () => {
    const email = freshEmail("invited");
    const ctx: Ctx = { org: org.org, actor: { type: "user", userId: org.owner.userId, membershipId: org.owner.membershipId, role: "owner" }, requestId: "test" };
    const created = await createInvitation({ ctx, input: { body: { email, role: "viewer" } } });
    expect(created.emailSent).toBe(true);
    const links = await linksTo(email);
    expect(links.filter((link) => new URL(link).pathname.startsWith("/invite/gh_invite_"))).toHaveLength(1);
    for (const link of links) expect(new URL(link).origin, link).toBe(CONFIGURED);
    await expect(createInvitation({ ctx, input: { body: { email: freshEmail("invited"), role: "viewer", consoleUrl: "https://evil.example" } } })).rejects.toMatchObject({
      code: "VALIDATION",
    });
  });
});

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { closeSignals, disconnectDb } from "../src";
import { signUp, verifyEmail } from "../src/accounts";
import { db } from "../src/infra/client";
import { closeRateLimiter } from "../src/infra/rate-limiter";
import { DEV_OUTBOX_LIMIT, listDevOutbox, mailMode, sendMail } from "../src/mail";

// Without SMTP_URL (the embedded `npm start`), mail goes to the server log and the development
// outbox the console shows at /dev/outbox, so sign-up works on a laptop with no mail server.

beforeAll(() => {
  delete process.env.SMTP_URL;
});
afterAll(async () => {
  await disconnectDb();
  await closeSignals();
  await closeRateLimiter();
});

describe("the development outbox", () => {
  it("keeps the verification mail, logs one line with its link, and the link works", async () => {
    const log = vi.spyOn(console, "info").mockImplementation(() => {});
    const email = `outbox-${randomBytes(4).toString("hex")}@example.test`;
    let logged: string[];
    try {
      await (
        await signUp({ input: { email, password: "a good long password", name: "Outbox" } })
      ).sent;
      logged = log.mock.calls.map((call) => String(call[0]));
    } finally {
      log.mockRestore();
    }
    expect(mailMode()).toBe("outbox");
    const messages = (await listDevOutbox())?.filter((m) => m.to === email) ?? [];
    expect(messages).toHaveLength(1);
    const token = /https:\/\/console\.gatehouse\.test\/verify-email\?token=([0-9a-zA-Z]{43})/.exec(messages[0]?.text ?? "")?.[1];
    expect(token).toBeDefined();
    const lines = logged.filter((line) => line.includes(email));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`verify-email?token=${token}`);
    expect(lines[0]).not.toContain("\n");
    await verifyEmail({ input: { token } });
    expect((await db().user.findUniqueOrThrow({ where: { email } })).emailVerifiedAt).not.toBeNull();
  });

  it(`keeps only the newest ${DEV_OUTBOX_LIMIT} messages`, async () => {
    const log = vi.spyOn(console, "info").mockImplementation(() => {});
    const to = `flood-${randomBytes(4).toString("hex")}@example.test`;
    try {
      for (let i = 0; i <= DEV_OUTBOX_LIMIT; i++) await sendMail({ to, subject: `message ${i}`, text: "hello" });
    } finally {
      log.mockRestore();
    }
    expect(await db().devOutboxMessage.count()).toBeLessThanOrEqual(DEV_OUTBOX_LIMIT);
    const kept = await db().devOutboxMessage.findMany({ where: { to }, select: { subject: true } });
    expect(kept.map((m) => m.subject)).not.toContain("message 0");
    expect(kept.map((m) => m.subject)).toContain(`message ${DEV_OUTBOX_LIMIT}`);
  });

  it("refuses a message with a multi-line subject or a malformed address (400 naming the field)", async () => {
    await expect(sendMail({ to: "x@example.test", subject: "a\r\nBcc: victim@example.test", text: "t" })).rejects.toMatchObject({
      code: "VALIDATION",
      details: { issues: [{ path: "subject" }] },
    });
    await expect(sendMail({ to: "not an address", subject: "s", text: "t" })).rejects.toMatchObject({ code: "VALIDATION", details: { issues: [{ path: "to" }] } });
  });
});

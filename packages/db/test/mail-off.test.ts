import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { closeSignals, disconnectDb } from "../src";
import { requestPasswordReset, signUp } from "../src/accounts";
import { db } from "../src/infra/client";
import { closeRateLimiter } from "../src/infra/rate-limiter";
import { listDevOutbox, mailMode } from "../src/mail";

// An instance not started for development and without SMTP_URL (outside production; production refuses
// to start so unless MAIL_TRANSPORT=off): mail is not sent, never kept in the development outbox, and
// the log line it leaves names the subject only, never the recipient, the link or its token.

beforeAll(() => {
  // Before anything reads the environment (it is read once, on first use).
  delete process.env.SMTP_URL;
  process.env.GATEHOUSE_DEVELOPMENT = "0";
});
afterAll(async () => {
  await disconnectDb();
  await closeSignals();
  await closeRateLimiter();
});

describe("mail off", () => {
  it("keeps nothing for /dev/outbox and logs no recipient, link or token", async () => {
    const log = vi.spyOn(console, "info").mockImplementation(() => {});
    const email = `off-${randomBytes(4).toString("hex")}@example.test`;
    let logged: string[];
    try {
      await (
        await signUp({ input: { email, password: "a good long password", name: "Off" } })
      ).sent;
      await (
        await requestPasswordReset({ input: { email } })
      ).sent;
      logged = log.mock.calls.map((call) => call.map(String).join(" "));
    } finally {
      log.mockRestore();
    }
    expect(mailMode()).toBe("off");
    expect(await listDevOutbox()).toBeNull();
    expect(await db().devOutboxMessage.count({ where: { to: email } })).toBe(0);
    const user = await db().user.findUniqueOrThrow({ where: { email }, select: { id: true } });
    expect(await db().accountToken.count({ where: { userId: user.id } })).toBe(2);
    const mailLines = logged.filter((line) => line.startsWith("[mail]"));
    expect(mailLines).toHaveLength(2);
    for (const line of mailLines) {
      expect(line).toMatch(/^\[mail\] not sent \(mail is off\): /);
      expect(line).not.toContain(email);
      expect(line).not.toMatch(/https?:\/\/|token/i);
    }
  });
});

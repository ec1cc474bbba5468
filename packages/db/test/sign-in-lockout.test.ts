import { randomBytes } from "node:crypto";
import { hashPassword, isDomainError, type PasswordVerifier } from "@gatehouse/core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestSmtp, type ReceivedMail } from "./fixtures/smtp";
import { closeSignals, disconnectDb } from "../src";
import { endAllSessions, requestSignInLink, signInWithLink } from "../src/accounts";
import { DEVICE_COOKIE_TTL_MS, deviceCookieKey, deviceCookieName, issueDeviceCookie, readDeviceCookie } from "../src/auth/device-cookie";
import { SignInThrottle } from "../src/auth/sign-in-throttle";
import { db } from "../src/infra/client";
import { closeRateLimiter } from "../src/infra/rate-limiter";
import { closeMail } from "../src/mail";
import { authenticateUser } from "../src/orgs/authenticate-user";
import { addTestMember, createTestOrg, type TestOrg } from "../src/testing";

// Sign-in cannot be used to lock a member out (docs/adr/0017). An attacker who fails on a victim's
// email as often as it likes locks out only clients without a device cookie for that account: the
// victim's browser with one still signs in, and so does anyone who can read the victim's mail, through
// an emailed one-time link. The attacker's own forged, borrowed or expired cookies buy nothing.

let smtp: Awaited<ReturnType<typeof startTestSmtp>>;
let inbox: ReceivedMail[];
let org: TestOrg;
const KEY = deviceCookieKey("a console secret of at least thirty-two characters");
const OTHER_KEY = deviceCookieKey("another console's secret, also thirty-two characters");
const LINK_BASE = "https://console.gatehouse.test";

beforeAll(async () => {
  smtp = await startTestSmtp();
  inbox = smtp.inbox;
  process.env.SMTP_URL = smtp.url;
  org = await createTestOrg({ label: "lockout" });
});
afterAll(async () => {
  closeMail();
  await smtp.stop();
  await disconnectDb();
  await closeSignals();
  await closeRateLimiter();
});

const freshSource = () => `10.${[...randomBytes(3)].join(".")}`;
const matchesNothing: PasswordVerifier = async () => false;

async function victim(label: string): Promise<{ id: string; email: string; password: string }> {
  const member = await addTestMember(org, "viewer", label);
  const password = `pw ${label} ${randomBytes(4).toString("hex")}`;
  await db().user.update({ where: { id: member.userId }, data: { passwordHash: await hashPassword(password) } });
  return { id: member.userId, email: member.email, password };
}

function attempt(email: string, password: string, options: { deviceCookie?: string | null; source?: string; throttle: SignInThrottle; verifier?: PasswordVerifier; now?: number }) {
  return authenticateUser({
    input: { email, password, source: options.source ?? freshSource(), deviceCookie: options.deviceCookie ?? null },
    deps: { deviceKey: KEY, throttle: options.throttle, ...(options.verifier ? { verifyPassword: options.verifier } : {}), ...(options.now ? { now: options.now } : {}) },
  });
}

async function outcome(run: Promise<unknown>): Promise<string> {
  try {
    const user = await run;
    return user ? "signed in" : "refused";
  } catch (error) {
    return isDomainError(error) ? error.code : String(error);
  }
}

/** The attacker: 1000 failed attempts on the email, without the victim's cookie, from many addresses. */
async function attack(email: string, throttle: SignInThrottle, deviceCookie: string | null = null): Promise<void> {
  for (let i = 0; i < 1000; i += 1) await outcome(attempt(email, `guess ${i}`, { throttle, verifier: matchesNothing, deviceCookie }));
}

function decoded(raw: string): string {
  return raw.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
const mailsTo = (email: string) => inbox.filter((m) => m.to.includes(email));

async function signInLinkToken(email: string, n = 1): Promise<string> {
  for (let i = 0; i < 100 && mailsTo(email).length < n; i++) await new Promise((r) => setTimeout(r, 50));
  const text = decoded(mailsTo(email)[n - 1]?.raw ?? "");
  const match = new RegExp(`${LINK_BASE.replace(/[.:/]/g, "\\$&")}/signin/link\\?token=([0-9a-zA-Z]+)`).exec(text);
  if (!match?.[1]) throw new Error(`no sign-in link in mail #${n} to ${email}:\n${text}`);
  return match[1];
}

describe("device cookies", () => {
  const email = "someone@example.test";
  const now = Date.now();
  const valid = issueDeviceCookie(email, KEY, now);
  const [issuedAt = "", id = "", signature = ""] = valid.split(".");

  it.each([
    ["another account's cookie", issueDeviceCookie("other@example.test", KEY, now)],
    ["signed with another key", issueDeviceCookie(email, OTHER_KEY, now)],
    ["expired", issueDeviceCookie(email, KEY, now - DEVICE_COOKIE_TTL_MS - 1)],
    ["issued in the future", issueDeviceCookie(email, KEY, now + 3_600_000)],
    ["signature altered", `${issuedAt}.${id}.${signature.slice(0, -1)}${signature.endsWith("A") ? "B" : "A"}`],
    ["id swapped", `${issuedAt}.${randomBytes(16).toString("base64url")}.${signature}`],
    ["issue time moved", `${(parseInt(issuedAt, 36) + 1).toString(36)}.${id}.${signature}`],
    ["extra part", `${valid}.x`],
    ["empty", ""],
    ["oversized", "a".repeat(10_000)],
  ])("%s is no device cookie", (_name, value) => {
    expect(readDeviceCookie(value, email, KEY, now)).toBeNull();
  });

  it("a valid one names its id, for the email however it is written; names are per account", () => {
    expect(readDeviceCookie(valid, " SOMEONE@example.test ", KEY, now)).toBe(id);
    expect(deviceCookieName(email)).toBe(deviceCookieName("Someone@Example.test"));
    expect(deviceCookieName(email)).not.toBe(deviceCookieName("other@example.test"));
  });
});

describe("an attacker failing 1000 times on a victim's email", () => {
  it("locks out clients without the victim's device cookie, but not the victim's browser", async () => {
    const throttle = new SignInThrottle();
    const account = await victim("victim");
    const cookie = (await attempt(account.email, account.password, { throttle }))?.deviceCookie ?? null;
    expect(readDeviceCookie(cookie, account.email, KEY)).not.toBeNull();

    await attack(account.email, throttle);

    expect(await outcome(attempt(account.email, account.password, { throttle, deviceCookie: cookie }))).toBe("signed in");
    expect(await outcome(attempt(account.email, account.password, { throttle }))).toBe("RATE_LIMITED");
  });

  it.each([
    ["no cookie", () => null],
    ["a forged cookie", () => `${Date.now().toString(36)}.${randomBytes(16).toString("base64url")}.${randomBytes(32).toString("base64url")}`],
    ["the attacker's own account's cookie", (attacker: string) => attacker],
    ["a cookie signed with another key", (_: string, email: string) => issueDeviceCookie(email, OTHER_KEY)],
    ["an expired cookie of the victim", (_: string, email: string) => issueDeviceCookie(email, KEY, Date.now() - DEVICE_COOKIE_TTL_MS - 60_000)],
  ])("%s gives the attacker no relief from the account's lockout", async (_name, cookieFor) => {
    const throttle = new SignInThrottle();
    const account = await victim("target");
    const own = await victim("attacker");
    const attackerCookie = (await attempt(own.email, own.password, { throttle }))?.deviceCookie ?? "";
    const cookie = cookieFor(attackerCookie, account.email);
    await attack(account.email, throttle, cookie);
    // Even the right password is refused without a valid cookie of the victim's own.
    expect(await outcome(attempt(account.email, account.password, { throttle, deviceCookie: cookie }))).toBe("RATE_LIMITED");
  });

  it("failures with a valid device cookie are limited per cookie: another of the victim's browsers still signs in", async () => {
    const throttle = new SignInThrottle();
    const account = await victim("two-browsers");
    const first = (await attempt(account.email, account.password, { throttle }))?.deviceCookie ?? null;
    const second = (await attempt(account.email, account.password, { throttle }))?.deviceCookie ?? null;
    for (let i = 0; i < throttle.limits.perDevice; i += 1) {
      expect(await outcome(attempt(account.email, `wrong ${i}`, { throttle, deviceCookie: first, verifier: matchesNothing }))).toBe("refused");
    }
    expect(await outcome(attempt(account.email, account.password, { throttle, deviceCookie: first }))).toBe("RATE_LIMITED");
    expect(await outcome(attempt(account.email, account.password, { throttle, deviceCookie: second }))).toBe("signed in");
    // Nor did the failures with the cookie lock out the account for clients without one.
    expect(await outcome(attempt(account.email, account.password, { throttle }))).toBe("signed in");
  });

  it("cannot stop the victim signing in through an emailed link", async () => {
    const throttle = new SignInThrottle();
    const account = await victim("link-victim");
    await attack(account.email, throttle);
    await (
      await requestSignInLink({ input: { email: account.email, source: freshSource() } })
    ).sent;
    const user = await signInWithLink({ input: { token: await signInLinkToken(account.email) } });
    expect(user).toEqual({ id: account.id, email: account.email, name: expect.any(String), sessionVersion: expect.any(Number) });
  });
});

describe("emailed sign-in links", () => {
  const spent = async (token: string) => {
    const error = await signInWithLink({ input: { token } }).then(
      () => null,
      (e: unknown) => e,
    );
    return isDomainError(error) && error.code === "VALIDATION" ? (error.details as { issues: Array<{ path: string }> }).issues.map((i) => i.path) : String(error);
  };

  it("signs in the account it was sent to, once; it is stored only as a hash", async () => {
    const account = await victim("once");
    await (
      await requestSignInLink({ input: { email: account.email.toUpperCase() } })
    ).sent;
    const token = await signInLinkToken(account.email);
    const rows = await db().accountToken.findMany({ where: { userId: account.id, purpose: "sign_in" } });
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(rows[0]?.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 15 * 60_000);

    expect((await signInWithLink({ input: { token } })).id).toBe(account.id);
    expect(await spent(token)).toEqual(["token"]);
  });

  it("expires, and dies with the account's sessions", async () => {
    const expiring = await victim("expiring");
    await (
      await requestSignInLink({ input: { email: expiring.email } })
    ).sent;
    const old = await signInLinkToken(expiring.email);
    await db().accountToken.updateMany({ where: { userId: expiring.id, purpose: "sign_in" }, data: { expiresAt: new Date(Date.now() - 1) } });
    expect(await spent(old)).toEqual(["token"]);

    const ended = await victim("ended");
    await (
      await requestSignInLink({ input: { email: ended.email } })
    ).sent;
    const before = await signInLinkToken(ended.email);
    await endAllSessions({ userId: ended.id });
    expect(await spent(before)).toEqual(["token"]);
  });

  it("a reset or verification token is not a sign-in link, and guesses are refused", async () => {
    const account = await victim("purpose");
    const { issueToken } = await import("../src/accounts/tokens");
    const reset = await db().$transaction((tx) => issueToken(tx, account.id, "reset_password"));
    expect(await spent(reset)).toEqual(["token"]);
    expect(await spent(randomBytes(32).toString("hex").slice(0, 43))).toEqual(["token"]);
    expect(await spent("short")).toEqual(["token"]);
  });

  it("answers the same for an account, no account and an unverified account, mails only the first, and never logs the link", async () => {
    const known = await victim("known");
    const unverified = await victim("unverified");
    await db().user.update({ where: { id: unverified.id }, data: { emailVerifiedAt: null } });
    const nobody = `nobody-${randomBytes(4).toString("hex")}@example.test`;
    const logged: string[] = [];
    const spies = (["log", "info", "warn", "error"] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(" "))),
    );
    try {
      const answers = await Promise.all([known.email, nobody, unverified.email].map((email) => requestSignInLink({ input: { email, source: freshSource() } })));
      expect(answers.map((a) => Object.keys(a))).toEqual([["sent"], ["sent"], ["sent"]]);
      await Promise.all(answers.map((a) => a.sent));
      const token = await signInLinkToken(known.email);
      expect(logged.join("\n")).not.toContain(token);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect([mailsTo(known.email).length, mailsTo(nobody).length, mailsTo(unverified.email).length]).toEqual([1, 0, 0]);
  });

  it("at most one link a minute goes to an account, whatever is asked", async () => {
    const account = await victim("cooldown");
    for (let i = 0; i < 3; i += 1) await (await requestSignInLink({ input: { email: account.email } })).sent;
    await signInLinkToken(account.email);
    expect(mailsTo(account.email)).toHaveLength(1);
  });
});

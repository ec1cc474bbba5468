import { randomBytes } from "node:crypto";
import { hashPassword, isDomainError, randomToken, verifyPassword, type DomainError } from "@gatehouse/core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTestSmtp, type ReceivedMail } from "./fixtures/smtp";
import { closeSignals, disconnectDb } from "../src";
import {
  changePassword,
  createOwnOrg,
  endAllSessions,
  getSessionAccount,
  requestPasswordReset,
  resendVerification,
  resetPassword,
  signUp,
  startConsoleSession,
  verifyEmail,
} from "../src/accounts";
import { db } from "../src/infra/client";
import { closeRateLimiter } from "../src/infra/rate-limiter";
import { MAIL_REQUEST_LIMITS } from "../src/accounts/mail-throttle";
import { closeMail, listDevOutbox, mailMode } from "../src/mail";
import { authenticateUser, EMAIL_UNVERIFIED } from "../src/orgs/authenticate-user";
import { createTestOrg, type TestOrg } from "../src/testing";

// Accounts (issue 13) against a real SMTP server started here: nodemailer delivers every mail to it,
// and the links the tests follow are read out of the messages it received.

let smtp: Awaited<ReturnType<typeof startTestSmtp>>;
let inbox: ReceivedMail[];
const LINK_BASE = "https://console.gatehouse.test";
const PASSWORD = "a good long password";
let org: TestOrg;

beforeAll(async () => {
  smtp = await startTestSmtp({ refuse: (address) => address.startsWith("bounce-") });
  inbox = smtp.inbox;
  // Before anything reads the environment (it is read once, on first use).
  process.env.SMTP_URL = smtp.url;
  process.env.MAIL_FROM = "Gatehouse Test <gatehouse@example.test>";
  org = await createTestOrg({ label: "accounts" });
});
afterAll(async () => {
  closeMail();
  await smtp.stop();
  await disconnectDb();
  await closeSignals();
  await closeRateLimiter();
});

const freshEmail = (label = "person") => `${label}-${randomBytes(4).toString("hex")}@example.test`;

/** The text of a received message with its quoted-printable soft breaks and escapes undone. */
function decoded(raw: string): string {
  return raw.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function mailsTo(email: string): ReceivedMail[] {
  return inbox.filter((m) => m.to.includes(email));
}

/** Waits for the `n`th mail to the address and returns the token of its link to `path`. */
async function linkToken(email: string, path: string, n = 1): Promise<string> {
  for (let i = 0; i < 100 && mailsTo(email).length < n; i++) await new Promise((r) => setTimeout(r, 50));
  const mail = mailsTo(email)[n - 1];
  if (!mail) throw new Error(`no mail #${n} to ${email}`);
  const text = decoded(mail.raw);
  const match = new RegExp(`${LINK_BASE.replace(/[.:/]/g, "\\$&")}/${path}\\?token=([0-9a-zA-Z]+)`).exec(text);
  if (!match?.[1]) throw new Error(`no ${path} link in the mail to ${email}:\n${text}`);
  return match[1];
}

async function domainError(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isDomainError(error)) throw new Error(`expected a domain error, got ${String(error)}`);
  return error;
}

function issuePaths(error: DomainError): string[] {
  return ((error.details as { issues?: Array<{ path: string }> } | undefined)?.issues ?? []).map((i) => i.path);
}

/** Signs up (the answer names no account) and answers the new account's id. */
async function newAccount(input: { email: string; password: string; name: string }): Promise<string> {
  await (
    await signUp({ input })
  ).sent;
  return (await db().user.findUniqueOrThrow({ where: { email: input.email.toLowerCase() }, select: { id: true } })).id;
}

async function signUpAndVerify(label: string): Promise<{ userId: string; email: string }> {
  const email = freshEmail(label);
  const userId = await newAccount({ email, password: PASSWORD, name: `Person ${label}` });
  await verifyEmail({ input: { token: await linkToken(email, "verify-email") } });
  return { userId, email };
}

const signIn = (email: string, password: string) => authenticateUser({ input: { email, password, source: `10.9.${randomBytes(2).join(".")}` } });

async function auditTypes(orgId: string, userId: string): Promise<Array<{ type: string; actorType: string; actorId: string }>> {
  return db().auditEntry.findMany({ where: { orgId, subjectId: userId }, orderBy: { seq: "asc" }, select: { type: true, actorType: true, actorId: true } });
}

describe("mail", () => {
  it("goes over SMTP when SMTP_URL is set, from MAIL_FROM, and keeps no development outbox", async () => {
    const email = freshEmail("from");
    await signUp({ input: { email, password: PASSWORD, name: "From Test" } });
    await linkToken(email, "verify-email");
    const raw = mailsTo(email)[0]?.raw ?? "";
    expect(raw).toMatch(/^From: Gatehouse Test <gatehouse@example\.test>/m);
    expect(raw).toMatch(/^Subject: Verify your email for Gatehouse/m);
    expect(mailMode()).toBe("smtp");
    expect(await listDevOutbox()).toBeNull();
    expect(await db().devOutboxMessage.count({ where: { to: email } })).toBe(0);
  });
});

describe("a failed send", () => {
  it("answers as any sign-up does, logs without the server's words, keeps the account, and a resent link arrives once the address accepts mail", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const email = freshEmail("bounce");
    try {
      const answer = await signUp({ input: { email, password: PASSWORD, name: "Bounce" } });
      expect(answer.email).toBe(email);
      await answer.sent;
      expect(warn).toHaveBeenCalled();
      expect(JSON.stringify(warn.mock.calls)).not.toContain("verify-email?token");
    } finally {
      warn.mockRestore();
    }
    const user = await db().user.findUniqueOrThrow({ where: { email } });
    expect(user.emailVerifiedAt).toBeNull();
    expect(await db().accountToken.count({ where: { userId: user.id } })).toBe(1);
    expect(mailsTo(email)).toHaveLength(0);
    // The address is fixed (here: renamed so the server accepts it); "resend the link" sends a new one.
    const fixed = email.replace(/^bounce-/, "fixed-");
    await db().user.update({ where: { id: user.id }, data: { email: fixed } });
    await db().accountToken.updateMany({ where: { userId: user.id }, data: { createdAt: new Date(Date.now() - 120_000) } });
    await (
      await resendVerification({ input: { email: fixed } })
    ).sent;
    await verifyEmail({ input: { token: await linkToken(fixed, "verify-email") } });
    expect(await signIn(fixed, PASSWORD)).toMatchObject({ id: user.id });
  });
});

describe("sign-up and email verification", () => {
  it("creates an unverified account that cannot sign in until its emailed link is used, once", async () => {
    const email = freshEmail("signup");
    const userId = await newAccount({ email: email.toUpperCase(), password: PASSWORD, name: "  Ada Lovelace " });
    const user = await db().user.findUniqueOrThrow({ where: { id: userId } });
    expect(user).toMatchObject({ email, name: "Ada Lovelace", emailVerifiedAt: null });

    const refused = await domainError(signIn(email, PASSWORD));
    expect(refused.code).toBe("FORBIDDEN");
    expect(refused.details).toEqual({ reason: EMAIL_UNVERIFIED });
    // A wrong password says nothing about verification.
    expect(await signIn(email, "not the password at all")).toBeNull();

    const token = await linkToken(email, "verify-email");
    // Only the hash is stored.
    const stored = await db().accountToken.findMany({ where: { userId }, omit: { tokenHash: false } });
    expect(stored).toHaveLength(1);
    expect(stored[0]?.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(stored[0]!.expiresAt.getTime() - stored[0]!.createdAt.getTime()).toBe(24 * 60 * 60_000);

    expect(await verifyEmail({ input: { token } })).toEqual({ userId, email, alreadyVerified: false });
    expect(await signIn(email, PASSWORD)).toMatchObject({ id: userId, email, sessionVersion: 0 });

    // Opened again (the person after a mail scanner): it says the account is verified, and does nothing more.
    expect(await verifyEmail({ input: { token } })).toEqual({ userId, email, alreadyVerified: true });
  });

  // The console verifies when the mailed link is opened (one click). A mail scanner that opens every
  // link may get there first: it verifies the address, and must gain nothing else — no session, no
  // way past the password — while the person opening the link afterwards continues as if first.
  it.each([
    ["a mail scanner, then the person", 2],
    ["the person alone", 1],
    ["a scanner opening it three times, then the person", 4],
  ])("the link opened by %s: verified, no session, the password still needed", async (_name, opens) => {
    const email = freshEmail("scanner");
    const userId = await newAccount({ email, password: PASSWORD, name: "Scanned" });
    const token = await linkToken(email, "verify-email");
    const answers = [];
    for (let i = 0; i < opens; i++) answers.push(await verifyEmail({ input: { token } }));
    expect(answers.map((a) => a.alreadyVerified)).toEqual([false, ...Array<boolean>(opens - 1).fill(true)]);
    expect(answers.every((a) => a.email === email && a.userId === userId)).toBe(true);
    expect(await db().consoleSession.count({ where: { userId } })).toBe(0);
    expect(await db().user.findUniqueOrThrow({ where: { id: userId }, select: { sessionVersion: true } })).toEqual({ sessionVersion: 0 });
    expect(await signIn(email, "not the password at all")).toBeNull();
    expect(await signIn(email, PASSWORD)).toMatchObject({ id: userId });
  });

  it("a spent link answers nothing for an account it did not verify: another account's spent reset link, an unknown link (400 naming token)", async () => {
    const email = freshEmail("spent-reset");
    await newAccount({ email, password: PASSWORD, name: "Spent" });
    await (
      await requestPasswordReset({ input: { email } })
    ).sent;
    const resetToken = await linkToken(email, "reset-password", 2);
    await resetPassword({ input: { token: resetToken, password: `${PASSWORD} again` } });
    for (const attempt of [resetToken, randomToken(43)]) {
      expect(issuePaths(await domainError(verifyEmail({ input: { token: attempt } })))).toEqual(["token"]);
    }
  });

  it("refuses an expired link, an unknown one and a malformed one (400 naming token)", async () => {
    const email = freshEmail("expiry");
    const userId = await newAccount({ email, password: PASSWORD, name: "Expiry" });
    const token = await linkToken(email, "verify-email");
    await db().accountToken.updateMany({ where: { userId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    for (const attempt of [token, randomToken(43), "short", `${token.slice(0, 42)}!`]) {
      const error = await domainError(verifyEmail({ input: { token: attempt } }));
      expect(error.code).toBe("VALIDATION");
      expect(issuePaths(error)).toEqual(["token"]);
    }
    expect((await db().user.findUniqueOrThrow({ where: { id: userId } })).emailVerifiedAt).toBeNull();
  });

  it("a reset link does not verify through /verify-email (purposes are apart)", async () => {
    const email = freshEmail("purpose");
    await (
      await signUp({ input: { email, password: PASSWORD, name: "Purpose" } })
    ).sent;
    await (
      await requestPasswordReset({ input: { email } })
    ).sent;
    const resetToken = await linkToken(email, "reset-password", 2);
    expect(issuePaths(await domainError(verifyEmail({ input: { token: resetToken } })))).toEqual(["token"]);
  });

  it("resends a link to an unverified account, at most once a minute, and answers the same for everyone", async () => {
    const email = freshEmail("resend");
    await signUp({ input: { email, password: PASSWORD, name: "Resend" } });
    await linkToken(email, "verify-email", 1);
    // Within the minute: the same answer, no second mail.
    await (
      await resendVerification({ input: { email } })
    ).sent;
    expect(mailsTo(email)).toHaveLength(1);
    await db().accountToken.updateMany({ where: { user: { email } }, data: { createdAt: new Date(Date.now() - 120_000) } });
    const answer = await resendVerification({ input: { email } });
    await answer.sent;
    const second = await linkToken(email, "verify-email", 2);
    await verifyEmail({ input: { token: second } });

    const verified = await resendVerification({ input: { email } });
    const unknownEmail = freshEmail("nobody");
    const unknown = await resendVerification({ input: { email: unknownEmail } });
    await Promise.all([verified.sent, unknown.sent]);
    expect(Object.keys(verified)).toEqual(Object.keys(answer));
    expect(Object.keys(unknown)).toEqual(Object.keys(answer));
    expect(mailsTo(email)).toHaveLength(2);
    expect(mailsTo(unknownEmail)).toHaveLength(0);
  });

  it("refuses bad input with a 400 naming the field", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: "x".repeat(201) }, "name"],
      [{ name: "" }, "name"],
      [{ name: "two\nlines" }, "name"],
      [{ name: "nul\u0000" }, "name"],
      [{ email: "not-an-email" }, "email"],
      [{ email: `${"a".repeat(320)}@example.test` }, "email"],
      [{ password: "short" }, "password"],
      [{ password: "aaaaaaaaaaaaaaaa" }, "password"],
      [{ password: "p".repeat(100) + "q".repeat(101) }, "password"],
    ];
    for (const [override, field] of cases) {
      const input = { email: freshEmail("bad"), password: PASSWORD, name: "Bad Input", ...override };
      const error = await domainError(signUp({ input }));
      expect(error.code, `${field}: ${JSON.stringify(override).slice(0, 60)}`).toBe("VALIDATION");
      expect(issuePaths(error)).toEqual([field]);
    }
  });

  it("the database itself refuses an email that is not lower-case, so no path can make a second account for one address", async () => {
    const write = db()
      .$executeRaw`INSERT INTO users (id, email, name, updated_at) VALUES (${`usr_${randomBytes(8).toString("hex")}`}, ${org.owner.email.toUpperCase()}, 'Shadow', now())`;
    await expect(write).rejects.toThrow(/users_email_lower_case/);
    expect(await db().user.count({ where: { email: { equals: org.owner.email, mode: "insensitive" } } })).toBe(1);
  });

  it("existing users (seeded, created by an owner) count as verified and sign in", async () => {
    expect((await db().user.findUniqueOrThrow({ where: { id: org.owner.userId } })).emailVerifiedAt).not.toBeNull();
    expect(await signIn(org.owner.email, org.owner.password)).toMatchObject({ id: org.owner.userId });
  });
});

describe("answers that do not tell who exists", () => {
  /** The real hash function, counting its calls. */
  function countingHasher(): { hash: (password: string) => Promise<string>; calls: () => number } {
    let calls = 0;
    return {
      hash: (password) => {
        calls += 1;
        return hashPassword(password);
      },
      calls: () => calls,
    };
  }

  it("sign-up: a new address, a verified account's and an unverified account's get the same answer after one password hash each; no second account", async () => {
    const unverified = freshEmail("pending");
    await newAccount({ email: unverified, password: PASSWORD, name: "Pending" });
    const verified = (await signUpAndVerify("taken")).email;
    const fresh = freshEmail("fresh");
    const answers: Record<string, unknown> = {};
    for (const [branch, email] of [
      ["new", fresh],
      ["verified", verified],
      ["unverified", unverified],
    ] as const) {
      const hasher = countingHasher();
      const answer = await signUp({
        input: { email: email.toUpperCase(), password: "someone else's password", name: "Mallory" },
        deps: { hashPassword: hasher.hash },
      });
      await answer.sent;
      expect(hasher.calls(), branch).toBe(1);
      answers[branch] = { ...answer, email: answer.email.replace(email, "<email>") };
    }
    expect(answers.verified).toEqual(answers.new);
    expect(answers.unverified).toEqual(answers.new);
    for (const email of [verified, unverified]) expect(await db().user.count({ where: { email } })).toBe(1);
    // The owners hear of it, with a link to choose a new password (which also proves the address).
    for (const [email, n] of [
      [verified, 2],
      [unverified, 2],
    ] as const) {
      const token = await linkToken(email, "reset-password", n);
      const mail = decoded(mailsTo(email)[n - 1]?.raw ?? "");
      expect(mail).toMatch(/^Subject: Someone tried to sign up for Gatehouse with your address/m);
      expect(mail).toContain(`${LINK_BASE}/signin`);
      expect(token).toMatch(/^[0-9a-zA-Z]{43}$/);
    }
    // The old password of the unverified account did not come from its owner: a reset replaces it and verifies the address.
    const userId = (await db().user.findUniqueOrThrow({ where: { email: unverified } })).id;
    await resetPassword({ input: { token: await linkToken(unverified, "reset-password", 2), password: "the owner's real password" } });
    expect(await signIn(unverified, "the owner's real password")).toMatchObject({ id: userId });
    expect(await signIn(unverified, PASSWORD)).toBeNull();
    // The new address got its verification link, and its account was made.
    await linkToken(fresh, "verify-email");
    expect(await db().user.count({ where: { email: fresh } })).toBe(1);
  });

  it("sign-in: an unknown email, a wrong password and an unverified account's wrong password each get null after exactly one password verification", async () => {
    const unverified = freshEmail("pending-signin");
    await newAccount({ email: unverified, password: PASSWORD, name: "Pending" });
    const { email: verified } = await signUpAndVerify("signin-known");
    for (const email of [freshEmail("nobody-signin"), verified, unverified]) {
      let verifications = 0;
      const verifier = (password: string, stored: string) => {
        verifications += 1;
        return verifyPassword(password, stored);
      };
      const answer = await authenticateUser({ input: { email, password: "not the password", source: `10.8.${randomBytes(2).join(".")}` }, deps: { verifyPassword: verifier } });
      expect([answer, verifications], email).toEqual([null, 1]);
    }
  });

  it("forgot password: an unknown, a verified and an unverified address get the same answer, and only accounts get a link", async () => {
    const unverified = freshEmail("pending-reset");
    await newAccount({ email: unverified, password: PASSWORD, name: "Pending" });
    const { email: verified } = await signUpAndVerify("reset-known");
    const unknown = freshEmail("nobody-reset");
    const answers = await Promise.all([unknown, verified, unverified].map((email) => requestPasswordReset({ input: { email } })));
    await Promise.all(answers.map((a) => a.sent));
    expect(answers.map((a) => Object.keys(a))).toEqual([["sent"], ["sent"], ["sent"]]);
    expect(mailsTo(unknown)).toHaveLength(0);
    await linkToken(verified, "reset-password", 2);
    await linkToken(unverified, "reset-password", 2);
  });
});

describe("the first org", () => {
  it("a verified user creates an org and becomes its owner; the log names them", async () => {
    const { userId, email } = await signUpAndVerify("founder");
    const slug = `founded-${randomBytes(3).toString("hex")}`;
    const created = await createOwnOrg({ userId, input: { name: "Founded Inc", slug } });
    expect(created.org).toMatchObject({ slug, name: "Founded Inc" });
    expect(created.owner).toMatchObject({ userId, role: "owner" });
    const entries = await db().auditEntry.findMany({ where: { orgId: created.org.id }, orderBy: { seq: "asc" } });
    expect(entries.slice(0, 2).map((e) => [e.type, e.actorType, e.actorId])).toEqual([
      ["org.created", "member", created.owner.membershipId],
      ["member.added", "member", created.owner.membershipId],
    ]);
    expect(await db().user.count({ where: { email } })).toBe(1);

    const taken = await domainError(createOwnOrg({ userId, input: { name: "Again", slug } }));
    expect(taken.code).toBe("CONFLICT");
    expect(issuePaths(taken)).toEqual(["slug"]);
    expect(issuePaths(await domainError(createOwnOrg({ userId, input: { name: "Bad", slug: "Not A Slug" } })))).toEqual(["slug"]);
    expect(issuePaths(await domainError(createOwnOrg({ userId, input: { name: "n".repeat(201), slug: `ok-${slug}` } })))).toEqual(["name"]);
  });

  it("an unverified user cannot create one", async () => {
    const email = freshEmail("unverified");
    const userId = await newAccount({ email, password: PASSWORD, name: "Unverified" });
    expect((await domainError(createOwnOrg({ userId, input: { name: "Nope", slug: `nope-${randomBytes(3).toString("hex")}` } }))).code).toBe("UNAUTHENTICATED");
  });
});

describe("password reset", () => {
  it("emails a single-use link that sets a new password and ends every session", async () => {
    const { userId, email } = await signUpAndVerify("reset");
    await createOwnOrg({ userId, input: { name: "Reset Org", slug: `reset-${randomBytes(3).toString("hex")}` } });
    const before = (await db().user.findUniqueOrThrow({ where: { id: userId } })).sessionVersion;
    await (
      await requestPasswordReset({ input: { email } })
    ).sent;
    const token = await linkToken(email, "reset-password", 2);
    expect(decoded(mailsTo(email)[1]?.raw ?? "")).toMatch(/^Subject: Reset your Gatehouse password/m);

    const weak = await domainError(resetPassword({ input: { token, password: "short" } }));
    expect(issuePaths(weak)).toEqual(["password"]);
    await resetPassword({ input: { token, password: "the new password, long" } });
    expect(await signIn(email, PASSWORD)).toBeNull();
    expect(await signIn(email, "the new password, long")).toMatchObject({ id: userId, sessionVersion: before + 1 });

    const again = await domainError(resetPassword({ input: { token, password: "yet another password" } }));
    expect(issuePaths(again)).toEqual(["token"]);
    const membership = await db().membership.findFirstOrThrow({ where: { userId } });
    expect((await auditTypes(membership.orgId, userId)).map((e) => [e.type, e.actorType, e.actorId])).toEqual([["account.password_reset", "member", membership.id]]);
  });

  it("answers the same for an email without an account, and sends nothing", async () => {
    const { email } = await signUpAndVerify("forgot");
    const known = await requestPasswordReset({ input: { email } });
    const unknownEmail = freshEmail("forgot-nobody");
    const unknown = await requestPasswordReset({ input: { email: unknownEmail } });
    await Promise.all([known.sent, unknown.sent]);
    expect(Object.keys(unknown)).toEqual(Object.keys(known));
    expect(mailsTo(unknownEmail)).toHaveLength(0);
    expect(mailsTo(email)).toHaveLength(2);
    const malformed = await domainError(requestPasswordReset({ input: { email: "nope" } }));
    expect(issuePaths(malformed)).toEqual(["email"]);
  });

  it("an expired reset link is refused and changes nothing", async () => {
    const { userId, email } = await signUpAndVerify("reset-expired");
    await (
      await requestPasswordReset({ input: { email } })
    ).sent;
    const token = await linkToken(email, "reset-password", 2);
    await db().accountToken.updateMany({ where: { userId, purpose: "reset_password" }, data: { expiresAt: new Date(Date.now() - 1) } });
    expect(issuePaths(await domainError(resetPassword({ input: { token, password: "another long password" } })))).toEqual(["token"]);
    expect(await signIn(email, PASSWORD)).toMatchObject({ id: userId });
  });
});

describe("requests that send mail", () => {
  it(`are limited to ${MAIL_REQUEST_LIMITS.perSource} an hour per client address, whatever the email`, async () => {
    const source = `10.77.${randomBytes(2).join(".")}`;
    for (let i = 0; i < MAIL_REQUEST_LIMITS.perSource; i++) {
      await (
        await requestPasswordReset({ input: { email: freshEmail("limited"), source } })
      ).sent;
    }
    const refused = await domainError(resendVerification({ input: { email: freshEmail("limited"), source } }));
    expect(refused.code).toBe("RATE_LIMITED");
    expect(refused.retryAfterSeconds).toBe(MAIL_REQUEST_LIMITS.windowSeconds);
    expect((await domainError(signUp({ input: { email: freshEmail("limited"), password: PASSWORD, name: "Limited", source } }))).code).toBe("RATE_LIMITED");
    // Another address is not affected.
    await signUp({ input: { email: freshEmail("other-source"), password: PASSWORD, name: "Other", source: `10.78.${randomBytes(2).join(".")}` } });
  });
});

describe("signed-in account changes", () => {
  it("changing the password needs the current one and ends the other sessions", async () => {
    const { userId, email } = await signUpAndVerify("change");
    const created = await createOwnOrg({ userId, input: { name: "Change Org", slug: `change-${randomBytes(3).toString("hex")}` } });
    const wrong = await domainError(changePassword({ userId, input: { currentPassword: "not it at all", newPassword: "a different password" } }));
    expect(issuePaths(wrong)).toEqual(["currentPassword"]);
    const weak = await domainError(changePassword({ userId, input: { currentPassword: PASSWORD, newPassword: "x".repeat(201) } }));
    expect(issuePaths(weak)).toEqual(["newPassword"]);
    const earlier = await startConsoleSession({ userId, sessionVersion: 0 });
    expect(await getSessionAccount({ userId, sessionId: earlier.sessionId })).toMatchObject({ id: userId, email });

    const { sessionVersion } = await changePassword({ userId, input: { currentPassword: PASSWORD, newPassword: "a different password" } });
    expect(sessionVersion).toBe(1);
    expect(await getSessionAccount({ userId, sessionId: earlier.sessionId })).toBeNull();
    const later = await startConsoleSession({ userId, sessionVersion: 1 });
    expect(await getSessionAccount({ userId, sessionId: later.sessionId })).toMatchObject({ id: userId });
    expect(await signIn(email, "a different password")).toMatchObject({ id: userId });
    expect((await auditTypes(created.org.id, userId)).map((e) => [e.type, e.actorId])).toEqual([["account.password_changed", created.owner.membershipId]]);
  });

  it("sign out everywhere bumps the session version; older sessions no longer count", async () => {
    const { userId } = await signUpAndVerify("everywhere");
    const created = await createOwnOrg({ userId, input: { name: "Everywhere", slug: `everywhere-${randomBytes(3).toString("hex")}` } });
    expect(await endAllSessions({ userId })).toEqual({ sessionVersion: 1 });
    const between = await startConsoleSession({ userId, sessionVersion: 1 });
    expect(await endAllSessions({ userId })).toEqual({ sessionVersion: 2 });
    expect(await getSessionAccount({ userId, sessionId: between.sessionId })).toBeNull();
    const after = await startConsoleSession({ userId, sessionVersion: 2 });
    expect(await getSessionAccount({ userId, sessionId: after.sessionId })).toMatchObject({ id: userId });
    expect((await auditTypes(created.org.id, userId)).map((e) => e.type)).toEqual(["account.sessions_ended", "account.sessions_ended"]);
    expect((await domainError(endAllSessions({ userId: "usr_0000000000000000000000" }))).code).toBe("UNAUTHENTICATED");
  });

  it("an unverified account's session does not count", async () => {
    const userId = await newAccount({ email: freshEmail("session"), password: PASSWORD, name: "Session" });
    const { sessionId } = await startConsoleSession({ userId, sessionVersion: 0 });
    expect(await getSessionAccount({ userId, sessionId })).toBeNull();
  });
});

import { randomBytes } from "node:crypto";
import { DUMMY_PASSWORD_HASH, hashPassword, isDomainError, passwordCostOf, verifyPassword, type PasswordVerifier } from "@gatehouse/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeSignals, disconnectDb } from "../src";
import { SignInThrottle } from "../src/auth/sign-in-throttle";
import { db } from "../src/infra/client";
import { closeRateLimiter, databaseRateLimiter, redisRateLimiter } from "../src/infra/rate-limiter";
import { authenticateUser } from "../src/orgs/authenticate-user";
import { addTestMember, createTestOrg, TEST_PASSWORD, type TestOrg } from "../src/testing";

// Console sign-in (authenticateUser) against the shared counter (Redis in this suite): unknown
// emails cannot be told from wrong passwords, and failures are limited per email and per address.

let org: TestOrg;
let passwordless: string;

beforeAll(async () => {
  org = await createTestOrg({ label: "signin" });
  passwordless = (await addTestMember(org, "viewer", "nopass")).email;
});
afterAll(async () => {
  await disconnectDb();
  await closeSignals();
  await closeRateLimiter();
});

/** A member of the org with a password of its own, so each test's failures count against a fresh account. */
async function accountWithPassword(label: string): Promise<{ id: string; email: string; password: string }> {
  const member = await addTestMember(org, "viewer", label);
  const password = `pw ${label}`;
  await db().user.update({ where: { id: member.userId }, data: { passwordHash: await hashPassword(password) } });
  return { id: member.userId, email: member.email, password };
}

/** The real verifier, recording what each call was asked to verify against. */
function recordingVerifier(): PasswordVerifier & { stored: string[] } {
  const stored: string[] = [];
  const verify = async (password: string, hash: string) => {
    stored.push(hash);
    return verifyPassword(password, hash);
  };
  return Object.assign(verify, { stored });
}

/** An address no other test (or earlier run within the window) counts against. */
const freshSource = () => `10.${[...randomBytes(3)].join(".")}`;
/** For guesses whose hashing is not what a test is about: scrypt is ~100 ms a call. */
const matchesNothing: PasswordVerifier = async () => false;
const freshEmail = () => `nobody-${randomBytes(4).toString("hex")}@example.test`;

async function attempt(email: string, password: string, options: { source?: string | null; throttle?: SignInThrottle; now?: number; verifier?: PasswordVerifier } = {}) {
  const deps = {
    verifyPassword: options.verifier ?? verifyPassword,
    throttle: options.throttle ?? new SignInThrottle(),
    ...(options.now === undefined ? {} : { now: options.now }),
  };
  return authenticateUser({ input: { email, password, source: options.source === undefined ? freshSource() : options.source }, deps });
}

async function refusal(run: Promise<unknown>): Promise<{ code: string; retryAfterSeconds: number | undefined; message: string }> {
  const error = await run.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isDomainError(error)) throw new Error(`expected a refusal, got ${String(error)}`);
  return { code: error.code, retryAfterSeconds: error.retryAfterSeconds, message: error.message };
}

describe("an unknown email cannot be told from a wrong password", () => {
  it("both answer null after exactly one verification with the same cost parameters as a real account's hash", async () => {
    const wrongPassword = recordingVerifier();
    const unknownEmail = recordingVerifier();
    const noPassword = recordingVerifier();

    const answers = [
      await attempt(org.owner.email, "not the password", { verifier: wrongPassword }),
      await attempt(freshEmail(), "not the password", { verifier: unknownEmail }),
      await attempt(passwordless, "not the password", { verifier: noPassword }),
    ];

    expect(answers).toEqual([null, null, null]);
    expect([wrongPassword.stored.length, unknownEmail.stored.length, noPassword.stored.length]).toEqual([1, 1, 1]);
    const realCost = passwordCostOf(wrongPassword.stored[0] ?? "");
    expect(realCost).toEqual({ N: 32768, r: 8, p: 1 });
    expect(passwordCostOf(unknownEmail.stored[0] ?? "")).toEqual(realCost);
    expect(passwordCostOf(noPassword.stored[0] ?? "")).toEqual(realCost);
  });

  it("the dummy hash is never matched, so an unknown email is refused whatever the password", async () => {
    expect(await verifyPassword("", DUMMY_PASSWORD_HASH)).toBe(false);
    expect(await attempt(freshEmail(), TEST_PASSWORD)).toBeNull();
  });

  it("the right password signs in, through one verification", async () => {
    const verifier = recordingVerifier();
    expect(await attempt(` ${org.owner.email.toUpperCase()} `, TEST_PASSWORD, { verifier })).toEqual({
      id: org.owner.userId,
      email: org.owner.email,
      name: "Test Owner",
      sessionVersion: 0,
    });
    expect(verifier.stored).toHaveLength(1);
  });
});

describe("failed sign-ins are limited per email", () => {
  it("after 5 failures in the window the 6th attempt is refused with a Retry-After, without verifying the password; the window passing lifts it", async () => {
    const now = Date.now();
    const account = await accountWithPassword("limited");
    const email = account.email;
    // Each failure from its own address: only the email's count can refuse.
    for (let i = 0; i < 5; i += 1) expect(await attempt(email, `wrong ${i}`, { now })).toBeNull();

    const verifier = recordingVerifier();
    expect(await refusal(attempt(email, account.password, { now: now + 1_000, verifier }))).toEqual({
      code: "RATE_LIMITED",
      retryAfterSeconds: 60,
      message: "Too many failed sign-in attempts. Try again in 60 s.",
    });
    // Normalized: the same account however the email is written.
    expect((await refusal(attempt(email.toUpperCase(), account.password, { now: now + 1_000, verifier }))).code).toBe("RATE_LIMITED");
    expect(verifier.stored).toHaveLength(0);

    expect(await attempt(email, account.password, { now: now + 61_000, verifier })).toMatchObject({ id: account.id });
  });

  it("an email without an account is limited the same way (the refusal reveals nothing)", async () => {
    const now = Date.now();
    const email = freshEmail();
    for (let i = 0; i < 5; i += 1) expect(await attempt(email, "guess", { now, verifier: matchesNothing })).toBeNull();
    expect((await refusal(attempt(email, "guess", { now }))).code).toBe("RATE_LIMITED");
  });

  it("a success clears nothing: failures before it still count until they leave the window", async () => {
    const now = Date.now();
    const account = await accountWithPassword("clears");
    for (let i = 0; i < 4; i += 1) expect(await attempt(account.email, "wrong", { now })).toBeNull();
    expect(await attempt(account.email, account.password, { now })).toMatchObject({ id: account.id });
    expect(await attempt(account.email, "wrong", { now })).toBeNull();
    expect((await refusal(attempt(account.email, account.password, { now }))).code).toBe("RATE_LIMITED");
  });

  it("a burst of parallel guesses cannot all pass before the first failure is counted", async () => {
    const email = freshEmail();
    const throttle = new SignInThrottle();
    const verifier = recordingVerifier();
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () =>
        attempt(email, "guess", { throttle, verifier }).then(
          () => "verified",
          (e: unknown) => (isDomainError(e) ? e.code : "error"),
        ),
      ),
    );
    expect(outcomes.filter((o) => o === "verified")).toHaveLength(5);
    expect(outcomes.filter((o) => o === "RATE_LIMITED")).toHaveLength(5);
    expect(verifier.stored).toHaveLength(5);
  });
});

describe("failed sign-ins are limited per address, across emails", () => {
  it("after 20 failures from one address, even the right password from it is refused; other addresses are not", async () => {
    const now = Date.now();
    const account = await accountWithPassword("bysource");
    const source = freshSource();
    for (let i = 0; i < 20; i += 1) expect(await attempt(freshEmail(), "guess", { source, now, verifier: matchesNothing })).toBeNull();

    const verifier = recordingVerifier();
    expect(await refusal(attempt(account.email, account.password, { source, now, verifier }))).toMatchObject({ code: "RATE_LIMITED", retryAfterSeconds: 60 });
    expect(verifier.stored).toHaveLength(0);
    expect(await attempt(account.email, account.password, { source: freshSource(), now })).toMatchObject({ id: account.id });
    expect(await attempt(account.email, account.password, { source, now: now + 61_000 })).toMatchObject({ id: account.id });
  });

  it("without a known address only the email's limit applies", async () => {
    const now = Date.now();
    const account = await accountWithPassword("nosource");
    for (let i = 0; i < 25; i += 1) expect(await attempt(freshEmail(), "guess", { source: null, now, verifier: matchesNothing })).toBeNull();
    expect(await attempt(account.email, account.password, { source: null, now })).toMatchObject({ id: account.id });
  });
});

describe("without Redis", () => {
  it("with Redis configured but unreachable, sign-in still works and is still limited (counted in PostgreSQL)", async () => {
    const gone = redisRateLimiter("redis://127.0.0.1:1"); // nothing listens there
    const throttle = new SignInThrottle(undefined, () => gone, databaseRateLimiter);
    try {
      const email = freshEmail();
      const now = Date.now();
      for (let i = 0; i < 5; i += 1) expect(await attempt(email, "guess", { throttle, now, verifier: matchesNothing })).toBeNull();
      expect((await refusal(attempt(email, "guess", { throttle, now }))).code).toBe("RATE_LIMITED");
      const { rows } = await db().pool.query<{ n: string }>(`SELECT count(*) AS n FROM rate_events WHERE key LIKE 'auth:signin:email:%' AND at >= $1`, [new Date(now)]);
      expect(Number(rows[0]?.n)).toBeGreaterThanOrEqual(5);
    } finally {
      await gone.close();
    }
  });

  it("the PostgreSQL counter holds the sign-in counts too (they belong to no org)", async () => {
    const throttle = new SignInThrottle(undefined, databaseRateLimiter);
    const email = freshEmail();
    const now = Date.now();
    for (let i = 0; i < 5; i += 1) expect(await attempt(email, "guess", { throttle, now, verifier: matchesNothing })).toBeNull();
    expect((await refusal(attempt(email, "guess", { throttle, now }))).code).toBe("RATE_LIMITED");
  });
});

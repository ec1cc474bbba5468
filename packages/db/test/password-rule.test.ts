import { isDomainError, PASSWORD_MAX, PASSWORD_MIN, PASSWORD_TOO_EASY, PASSWORD_TOO_LONG, PASSWORD_TOO_SHORT, randomToken, type DomainError } from "@gatehouse/core";
import { afterAll, describe, expect, it } from "vitest";
import { closeSignals, disconnectDb } from "../src";
import { changePassword, resetPassword, signUp } from "../src/accounts";
import { closeRateLimiter } from "../src/infra/rate-limiter";
import { acceptInvitation } from "../src/invitations";
import { createOrg } from "../src/orgs";

// One password rule wherever a password is set (issue 25): every entry point × every kind of
// password gives the same verdict with the same message, and a password over the cap is refused
// before anything hashes it. Each entry point gets one other field wrong on purpose (or a token
// that leads nowhere), so an accepted password shows as an error that does not name it, and
// nothing is created.

afterAll(async () => {
  await closeRateLimiter();
  await closeSignals();
  await disconnectDb();
});

interface EntryPoint {
  name: string;
  /** The field that names the password in a refusal. */
  field: string;
  /** Sets `password`; resolves to the error it ends in (every call here ends in one). */
  set: (password: string) => Promise<unknown>;
}

let hashed = 0;
const countingHash = async () => {
  hashed += 1;
  return "scrypt$not$a$real$hash$";
};

const ENTRY_POINTS: EntryPoint[] = [
  {
    name: "sign-up",
    field: "password",
    // A malformed email: the answer names every field it refuses.
    set: (password) => signUp({ input: { email: "not-an-email", password, name: "Rule Test" }, deps: { hashPassword: countingHash } }),
  },
  {
    name: "accepting an invitation with a new account",
    field: "newAccount.password",
    // A token no invitation has: an accepted password ends in its 404.
    set: (password) => acceptInvitation({ input: { token: "no-such-invitation", newAccount: { name: "Rule Test", password } } }),
  },
  {
    name: "a reset link",
    field: "password",
    // A well-formed link nobody issued: an accepted password ends in the 400 naming `token`.
    set: (password) => resetPassword({ input: { token: randomToken(43), password } }),
  },
  {
    name: "changing one's password",
    field: "newPassword",
    // A user that does not exist: an accepted password ends in "sign in again".
    set: (password) => changePassword({ userId: "usr_nobody", input: { currentPassword: "whatever it was", newPassword: password } }),
  },
  {
    name: "an org's owner created by the seed or an operator (createOrg)",
    field: "owner.password",
    // A slug that breaks the rule: the answer names every field it refuses.
    set: (password) => createOrg({ input: { slug: "!", name: "Rule Test", owner: { email: "rule@example.test", name: "Rule Test", password } } }),
  },
];

const repeat = (unit: string, times: number) => Array.from({ length: times }, (_, i) => unit + String.fromCodePoint(0x61 + (i % 26))).join("");

interface Case {
  name: string;
  password: string;
  /** The message naming the password field, or null: the rule accepts it. */
  refused: string | null;
}

const CASES: Case[] = [
  { name: "one character short", password: "abcdefghi", refused: PASSWORD_TOO_SHORT },
  { name: "exactly the minimum", password: "abcdefghij", refused: null },
  // Nine emoji are eighteen UTF-16 units: a rule counting units would let them through.
  { name: "nine emoji (characters, not UTF-16 units, count)", password: "🔐🔑🚪🛡🗝🧱🪪🔏🔒", refused: PASSWORD_TOO_SHORT },
  { name: "ten emoji", password: "🔐🔑🚪🛡🗝🧱🪪🔏🔒🔓", refused: null },
  { name: "accented and CJK letters at the minimum", password: "éàüßøñ鍵門守衛".slice(0, PASSWORD_MIN), refused: null },
  { name: "exactly the maximum", password: repeat("x", PASSWORD_MAX / 2), refused: null },
  { name: "one character over the maximum", password: repeat("x", PASSWORD_MAX / 2) + "y", refused: PASSWORD_TOO_LONG },
  { name: "a megabyte", password: "correct horse battery staple ".repeat(36_000), refused: PASSWORD_TOO_LONG },
  { name: "a megabyte of emoji", password: "🔐".repeat(300_000), refused: PASSWORD_TOO_LONG },
  { name: "one character repeated", password: "aaaaaaaaaaaa", refused: PASSWORD_TOO_EASY },
];

async function errorOf(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    if (isDomainError(error)) return error;
    throw error;
  }
  throw new Error("expected the call to end in an error (the other field is wrong on purpose)");
}

function passwordIssues(error: DomainError, field: string): string[] {
  if (error.code !== "VALIDATION") return [];
  const issues = (error.details as { issues?: Array<{ path: string; message: string }> } | undefined)?.issues ?? [];
  return issues.filter((i) => i.path === field).map((i) => i.message);
}

describe.each(ENTRY_POINTS)("$name", (entry) => {
  it.each(CASES)("$name", async ({ password, refused }) => {
    hashed = 0;
    const error = await errorOf(entry.set(password));
    expect(passwordIssues(error, entry.field)).toEqual(refused === null ? [] : [refused]);
    if (refused !== null) expect(hashed).toBe(0);
  });
});

it("the rule is 10 to 200 characters", () => {
  expect([PASSWORD_MIN, PASSWORD_MAX]).toEqual([10, 200]);
});

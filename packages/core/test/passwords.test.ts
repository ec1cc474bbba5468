import { beforeAll, describe, expect, test } from "vitest";
import { hashPassword, verifyPassword } from "../src/passwords";

// scrypt costs ~100 ms per call, so one stored hash is shared by the tests that only read it.
const PASSWORD = "correct horse battery staple \u00e9";
let stored = "";

beforeAll(async () => {
  stored = await hashPassword(PASSWORD);
});

describe("hashPassword", () => {
  test("stores scrypt$N$r$p$salt$hash with a 16-byte salt and a 32-byte hash", () => {
    const [scheme, n, r, p, salt, hash, ...rest] = stored.split("$");
    expect({ scheme, n, r, p, rest }).toEqual({ scheme: "scrypt", n: "32768", r: "8", p: "1", rest: [] });
    expect(Buffer.from(salt ?? "", "base64")).toHaveLength(16);
    expect(Buffer.from(hash ?? "", "base64")).toHaveLength(32);
  });

  test("two hashes of one password differ (random salt)", async () => {
    expect(await hashPassword(PASSWORD)).not.toBe(stored);
  });
});

describe("verifyPassword", () => {
  test("accepts the password that was hashed", async () => {
    expect(await verifyPassword(PASSWORD, stored)).toBe(true);
  });

  test("rejects a different password", async () => {
    expect(await verifyPassword("correct horse battery staple e", stored)).toBe(false);
  });

  test.each([
    ["the empty string", () => ""],
    ["a non-scrypt scheme", () => stored.replace(/^scrypt/, "bcrypt")],
    ["too few fields", () => stored.split("$").slice(0, 5).join("$")],
    ["an empty hash field", () => stored.split("$").slice(0, 5).join("$") + "$"],
  ])("returns false for a stored value with %s", async (_label, make) => {
    expect(await verifyPassword(PASSWORD, make())).toBe(false);
  });

  test("returns false (does not reject) for a non-numeric cost parameter", async () => {
    await expect(verifyPassword(PASSWORD, stored.replace("$32768$", "$abc$"))).resolves.toBe(false);
  });

  test("returns false (does not reject) for a cost that is not a power of two", async () => {
    await expect(verifyPassword(PASSWORD, stored.replace("$32768$", "$1000$"))).resolves.toBe(false);
  });

  test("returns false for any password when the stored hash decodes to zero bytes", async () => {
    const parts = stored.split("$");
    parts[5] = "!!!";
    expect(await verifyPassword("not the password", parts.join("$"))).toBe(false);
  });
});

import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { hashApiKey, issueApiKey, parseApiKey, type ApiKeyKind } from "../src/api-keys";

const SECRET = "aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xY";

describe("issueApiKey", () => {
  test.each<ApiKeyKind>(["agent", "admin"])("a %s key has the shape gh_<kind>_<32 alphanumerics>", (kind) => {
    expect(issueApiKey(kind).plaintext).toMatch(new RegExp(`^gh_${kind}_[0-9a-zA-Z]{32}$`));
  });

  test("prefix is gh_<kind>_ plus the first 8 secret characters", () => {
    const key = issueApiKey("agent");
    expect(key.prefix).toBe(key.plaintext.slice(0, "gh_agent_".length + 8));
  });

  test("lastFour is the last four characters of the key", () => {
    const key = issueApiKey("admin");
    expect(key.lastFour).toBe(key.plaintext.slice(-4));
  });

  test("hash is the SHA-256 hex of the plaintext", () => {
    const key = issueApiKey("agent");
    expect(key.hash).toBe(createHash("sha256").update(key.plaintext, "utf8").digest("hex"));
  });

  test("an issued key parses as its kind", () => {
    expect(parseApiKey(issueApiKey("admin").plaintext)).toEqual({ kind: "admin" });
  });

  test("two issued keys differ", () => {
    expect(issueApiKey("agent").plaintext).not.toBe(issueApiKey("agent").plaintext);
  });
});

describe("hashApiKey", () => {
  test("matches the SHA-256 vector for 'abc'", () => {
    expect(hashApiKey("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

describe("parseApiKey", () => {
  test.each<[string, ApiKeyKind]>([
    [`gh_agent_${SECRET}`, "agent"],
    [`gh_admin_${SECRET}`, "admin"],
    [`gh_agent_${"0".repeat(32)}`, "agent"],
  ])("accepts %s as %s", (value, kind) => {
    expect(parseApiKey(value)).toEqual({ kind });
  });

  test.each([
    ["an unknown kind", `gh_user_${SECRET}`],
    ["an upper-case kind", `gh_Agent_${SECRET}`],
    ["an upper-case scheme", `GH_agent_${SECRET}`],
    ["no gh_ scheme", `agent_${SECRET}`],
    ["a different scheme", `sk_agent_${SECRET}`],
    ["a 31-character secret", `gh_agent_${SECRET.slice(1)}`],
    ["a 33-character secret", `gh_agent_${SECRET}Z`],
    ["a '-' in the secret", `gh_agent_${SECRET.slice(1)}-`],
    ["a '_' in the secret", `gh_agent_${SECRET.slice(1)}_`],
    ["a non-ASCII letter in the secret", `gh_agent_${SECRET.slice(1)}\u00e9`],
    ["a leading space", ` gh_agent_${SECRET}`],
    ["a trailing space", `gh_agent_${SECRET} `],
    ["a trailing newline", `gh_agent_${SECRET}\n`],
    ["a Bearer prefix", `Bearer gh_agent_${SECRET}`],
    ["the empty string", ""],
    ["the bare prefix", "gh_agent_"],
  ])("rejects %s", (_label, value) => {
    expect(parseApiKey(value)).toBeNull();
  });
});

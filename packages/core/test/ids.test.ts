import { describe, expect, test } from "vitest";
import { ID_PREFIXES, isId, newId, randomToken, type IdKind } from "../src/ids";

const KINDS = Object.keys(ID_PREFIXES) as IdKind[];
const BODY = "0123456789abcdefghijAB";

describe("newId", () => {
  test.each<[IdKind, string]>([
    ["org", "org"],
    ["user", "usr"],
    ["membership", "mem"],
    ["agent", "agt"],
    ["apiKey", "key"],
    ["policy", "pol"],
    ["policyVersion", "pv"],
    ["action", "act"],
    ["approval", "apr"],
    ["vote", "vot"],
    ["delegation", "dlg"],
    ["audit", "aud"],
    ["checkpoint", "chk"],
    ["signingKey", "sk"],
  ])("a %s id is %s_ followed by 22 alphanumerics", (kind, prefix) => {
    expect(newId(kind)).toMatch(new RegExp(`^${prefix}_[0-9a-zA-Z]{22}$`));
  });

  test("prefixes are unique across kinds", () => {
    expect(new Set(Object.values(ID_PREFIXES)).size).toBe(KINDS.length);
  });

  test("two ids of one kind differ", () => {
    expect(newId("agent")).not.toBe(newId("agent"));
  });

  test.each(KINDS)("isId accepts a fresh %s id", (kind) => {
    expect(isId(kind, newId(kind))).toBe(true);
  });
});

describe("isId", () => {
  test.each<[string, IdKind, string]>([
    ["another kind's prefix", "agent", `org_${BODY}`],
    ["a prefix of the right kind but no underscore", "agent", `agt${BODY}`],
    ["a 21-character body", "agent", `agt_${BODY.slice(1)}`],
    ["a 23-character body", "agent", `agt_${BODY}x`],
    ["a '-' in the body", "agent", `agt_${BODY.slice(1)}-`],
    ["an upper-case prefix", "agent", `AGT_${BODY}`],
    ["surrounding whitespace", "agent", ` agt_${BODY}`],
    ["a trailing newline", "agent", `agt_${BODY}\n`],
    ["the empty string", "agent", ""],
    ["an SQL-looking body", "policy", "pol_' OR 1=1 --aaaaaaaaaa"],
    ["pv_ where pol_ is expected", "policy", `pv_${BODY}`],
  ])("rejects %s", (_label, kind, value) => {
    expect(isId(kind, value)).toBe(false);
  });

  test.each<[IdKind, string]>([
    ["agent", `agt_${BODY}`],
    ["policyVersion", `pv_${BODY}`],
    ["signingKey", `sk_${"Z".repeat(22)}`],
  ])("accepts a well-formed %s id %s", (kind, value) => {
    expect(isId(kind, value)).toBe(true);
  });
});

describe("randomToken", () => {
  test.each([0, 1, 22, 32, 100, 1000])("has exactly %i characters", (length) => {
    expect(randomToken(length)).toHaveLength(length);
  });

  test("uses only [0-9a-zA-Z]", () => {
    expect(randomToken(2000)).toMatch(/^[0-9a-zA-Z]{2000}$/);
  });

  test("uses every one of the 62 characters over a long token", () => {
    // P(some character missing from 20 000 draws) ≈ 62 · (61/62)^20000, far below 1e-100.
    expect(new Set(randomToken(20_000)).size).toBe(62);
  });

  test("two tokens differ", () => {
    expect(randomToken(32)).not.toBe(randomToken(32));
  });
});

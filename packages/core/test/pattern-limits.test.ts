import { describe, expect, it } from "vitest";
import { DomainError, MAX_PATTERN_PROGRAM, parsePolicySet } from "../src";

// `matches` patterns are bounded before and as they compile: each to MAX_PATTERN_PROGRAM instructions,
// each set to 200 patterns and 16,384 characters (counted before any is compiled).

const policy = (name: string, patterns: string[]) => ({
  name,
  actions: ["pr.*"],
  effect: "deny",
  when: { any: patterns.map((value) => ({ field: "metadata.branch", op: "matches", value })) },
});

function issues(policies: unknown[]): Array<{ path: string; message: string }> {
  try {
    parsePolicySet({ policies });
    return [];
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return (error.details as { issues: Array<{ path: string; message: string }> }).issues;
  }
}

describe("matches pattern limits", () => {
  it.each([["(?i)\\w{1000}z"], ["\\pL{400}"], ["[a-z]{100}[0-9]{100}[A-Z]{100}x"], ["(?:ab|cd){200}"]])("refuses %s: it compiles past the instruction limit", (pattern) => {
    const [issue] = issues([policy("p", [pattern])]);
    expect(issue?.path).toBe("policies[0].when.any[0].value");
    expect(issue?.message).toMatch(new RegExp(`more than ${MAX_PATTERN_PROGRAM}`));
  });

  it.each([["^feat/[a-z0-9-]{1,40}$"], ["a".repeat(256)], ["(?i)^(main|master|release/.*)$"], ["^https://[a-z.]+\\.example\\.com/"]])("accepts %s", (pattern) => {
    expect(issues([policy("p", [pattern])])).toEqual([]);
  });

  it("refuses the 201st pattern of a set, naming the policy that holds it", () => {
    const [issue] = issues([policy("a", Array(150).fill("^a")), policy("b", Array(51).fill("^b"))]);
    expect(issue).toEqual({ path: "policies[1].when", message: "the set has more than 200 'matches' patterns" });
  });

  it("refuses a set whose patterns hold more than 16,384 characters", () => {
    const [issue] = issues([policy("a", Array(64).fill("x".repeat(256))), policy("b", ["yz"])]);
    expect(issue).toEqual({ path: "policies[1].when", message: "the set's 'matches' patterns hold more than 16384 characters in all" });
  });

  it("accepts 200 patterns of 16,384 characters in all", () => {
    expect(issues([policy("a", Array(64).fill("x".repeat(256))), policy("b", Array(100).fill("")), policy("c", Array(36).fill(""))])).toEqual([]);
  });
});

import fc from "fast-check";
import { RE2JS } from "re2js";
import { describe, expect, it } from "vitest";
import { MATCH_BUDGET, MAX_PATTERN_CHARS, MAX_PATTERN_PROGRAM, matchBudget, type Facts } from "../src/policy/conditions";
import { evaluate, type Decision } from "../src/policy/evaluate";
import { compile, facts } from "./conditions-helpers";

// A condition's cost is bounded per decision and fails closed (docs/policies.md, Limits): each
// `matches` condition is charged (characters + 1) × its pattern's instructions before it runs, and a
// charge past what is left of MATCH_BUDGET makes the decision deny CONDITION_LIMIT, whatever the
// policy's effect and wherever the condition sits (all, any, not). The other operators read a value
// once (in/not_in look entries up), so they answer exactly on every value the edge accepts.

const RESTRICTIVE: Record<Decision["effect"], number> = { allow: 0, require_approval: 1, deny: 2 };

/** Instructions a pattern compiles to. */
const size = (pattern: string) => RE2JS.compile(pattern).programSize();

/** Metadata `{ a: { b: … { leaf: value } } }` at this path (2 to 8 segments), or `{ x: value }`. */
function at(path: string[], value: unknown): Record<string, unknown> {
  let out: unknown = value;
  for (const key of [...path].reverse()) out = { [key]: out };
  return out as Record<string, unknown>;
}

const NESTED = ["a", "b", "c", "d", "e", "f", "g"];
const LONG = 60_000; // a string as long as a 64 KB request body allows

interface Hostile {
  name: string;
  path: string[];
  value: unknown;
  /** A value for each operator that holds on it (what an attacker wants to hide). */
  hit: Record<"eq" | "neq" | "in" | "not_in" | "contains" | "matches", unknown>;
}

const longWithSecret = `${"a".repeat(LONG)}secret`;
const tags = Array.from({ length: 10_000 }, (_, i) => `t${i}`);
const astral = `${"😀".repeat(LONG / 2 - 8)}secret`;
const combining = `${"e\u0301".repeat(LONG / 2 - 8)}secret`;

const HOSTILE: Hostile[] = [
  {
    name: "a 60,000-character string, the secret at its end",
    path: ["x"],
    value: longWithSecret,
    hit: { eq: longWithSecret, neq: "secret", in: ["x", longWithSecret], not_in: ["secret"], contains: "secret", matches: "secret" },
  },
  {
    name: "a 60,000-character run against a pattern slow for RE2",
    path: ["x"],
    value: "a".repeat(LONG),
    hit: { eq: "a".repeat(LONG), neq: "b", in: ["a".repeat(LONG)], not_in: ["b"], contains: "aaaa", matches: "(?i)[a-z0-9]{200}[a-z]{90}" },
  },
  {
    name: "a list of 10,000 strings, the one that matters last",
    path: ["x"],
    value: [...tags, "secret"],
    hit: { eq: "secret", neq: "nothing", in: Array.from({ length: 1_000 }, (_, i) => (i === 999 ? "secret" : `v${i}`)), not_in: ["v1"], contains: "secret", matches: "^secret$" },
  },
  {
    name: "astral characters (two UTF-16 units each), 60,000 units",
    path: ["x"],
    value: astral,
    hit: { eq: astral, neq: "😀", in: [astral], not_in: ["😀"], contains: "😀secret", matches: "😀secret$" },
  },
  {
    name: "combining accents, 60,000 units",
    path: ["x"],
    value: combining,
    hit: { eq: combining, neq: "é", in: [combining], not_in: ["é"], contains: "\u0301secret", matches: "(?i)E\u0301SECRET" },
  },
  {
    name: "a long string eight keys deep",
    path: NESTED,
    value: longWithSecret,
    hit: { eq: longWithSecret, neq: "secret", in: [longWithSecret], not_in: ["secret"], contains: "secret", matches: "secret$" },
  },
];

const OPERATORS = ["eq", "neq", "in", "not_in", "contains", "matches", "exists"] as const;
type TextOperator = (typeof OPERATORS)[number];

/** The policy shapes an attacker's long value meets: guards that must keep denying or holding. */
const SHAPES: Array<{ name: string; policies: (when: unknown) => Array<Record<string, unknown>>; reference: Decision["effect"] }> = [
  {
    name: "deny when it holds (beside an allow-all)",
    policies: (when) => [
      { name: "all", actions: ["*"], effect: "allow" },
      { name: "guard", actions: ["*"], effect: "deny", when },
    ],
    reference: "deny",
  },
  {
    name: "require_approval when it holds (beside an allow-all)",
    policies: (when) => [
      { name: "all", actions: ["*"], effect: "allow" },
      { name: "guard", actions: ["*"], effect: "require_approval", when },
    ],
    reference: "require_approval",
  },
  { name: "allow only when it does not hold", policies: (when) => [{ name: "guard", actions: ["*"], effect: "allow", when: { not: when } }], reference: "deny" },
  {
    name: "deny when any of it and an unrelated condition holds",
    policies: (when) => [
      { name: "all", actions: ["*"], effect: "allow" },
      { name: "guard", actions: ["*"], effect: "deny", when: { any: [{ field: "metadata.unrelated", op: "exists" }, when] } },
    ],
    reference: "deny",
  },
];

describe("every operator that reads text × hostile values: the guard keeps its effect or the decision denies CONDITION_LIMIT", () => {
  const cases = HOSTILE.flatMap((hostile) => OPERATORS.flatMap((op) => SHAPES.map((shape) => [hostile.name, op, shape.name, hostile, shape] as const)));
  it.each(cases)("%s × %s × %s", (_h, op: TextOperator, _s, hostile, shape) => {
    const field = `metadata.${hostile.path.join(".")}`;
    const when = op === "exists" ? { field, op } : { field, op, value: hostile.hit[op] };
    const budget = matchBudget();
    const decision = evaluate(compile(...shape.policies(when)), facts({ metadata: at(hostile.path, hostile.value) }), undefined, budget);
    expect(RESTRICTIVE[decision.effect]).toBeGreaterThanOrEqual(RESTRICTIVE[shape.reference]);
    if (op === "matches") {
      // Every hostile value here is past the budget for its pattern: the decision says so, by the guard.
      expect(decision).toMatchObject({ effect: "deny", reason: "CONDITION_LIMIT", policy: { name: "guard" } });
      expect(decision.conditionsEvaluated.at(-1)).toMatchObject({ field, operator: "matches", result: false });
      expect(decision.conditionsEvaluated.at(-1)).not.toHaveProperty("actual");
    } else {
      expect(decision.effect).toBe(shape.reference);
    }
    expect(budget.spent).toBeLessThanOrEqual(MATCH_BUDGET);
  });
});

describe("CONDITION_LIMIT", () => {
  const guard = (effect: string, mode = "enforce") => ({ name: "guard", actions: ["*"], effect, mode, when: { field: "metadata.x", op: "matches", value: "secret" } });
  const long = facts({ metadata: { x: `${"a".repeat(10_000)}secret` } });

  it("an allow policy whose condition cannot be matched denies instead of allowing", () => {
    expect(evaluate(compile(guard("allow")), long)).toMatchObject({ effect: "deny", reason: "CONDITION_LIMIT", policy: { name: "guard" }, mode: "enforce" });
  });

  it("wins over an allow-all and a more permissive result from policies sorted before it", () => {
    expect(evaluate(compile({ name: "a-all", actions: ["*"], effect: "allow" }, guard("allow")), long)).toMatchObject({ effect: "deny", reason: "CONDITION_LIMIT" });
  });

  it("a monitor-mode policy whose condition cannot be matched does not apply (it could only allow): NO_POLICY", () => {
    const decision = evaluate(compile(guard("allow", "monitor")), long);
    expect(decision).toMatchObject({ effect: "deny", reason: "NO_POLICY", monitored: [] });
  });

  it("a condition never reached is never charged: an `all` already false stops before it", () => {
    const budget = matchBudget();
    const when = {
      all: [
        { field: "metadata.missing", op: "exists" },
        { field: "metadata.x", op: "matches", value: "secret" },
      ],
    };
    const decision = evaluate(compile({ name: "guard", actions: ["*"], effect: "allow", when }), long, undefined, budget);
    expect(decision).toMatchObject({ effect: "deny", reason: "NO_POLICY" });
    expect(budget.spent).toBe(0);
  });

  it("the budget is the decision's: two conditions that fit alone deny together once their sum does not", () => {
    const half = "a".repeat(Math.floor(MATCH_BUDGET / size("secret") / 2));
    const when = {
      all: [
        { field: "metadata.x", op: "matches", value: "secret" },
        { field: "metadata.y", op: "matches", value: "secret" },
      ],
    };
    const policies = compile({ name: "guard", actions: ["*"], effect: "deny", when });
    expect(evaluate(policies, facts({ metadata: { x: `${half}secret`, y: "secret" } }))).toMatchObject({ effect: "deny", reason: "CONDITIONS_DENIED" });
    expect(evaluate(policies, facts({ metadata: { x: `${half}secret`, y: `${half}secret` } }))).toMatchObject({ effect: "deny", reason: "CONDITION_LIMIT" });
  });

  it("a value exactly at the budget is matched; one character more is not", () => {
    const instructions = size("b");
    // (n + 1) × instructions ≤ MATCH_BUDGET
    const fits = Math.floor(MATCH_BUDGET / instructions) - 1;
    const value = (n: number) => `${"a".repeat(n - 1)}b`;
    const policies = compile({ name: "guard", actions: ["*"], effect: "allow", when: { field: "metadata.x", op: "matches", value: "b" } });
    expect(evaluate(policies, facts({ metadata: { x: value(fits) } }))).toMatchObject({ effect: "allow" });
    expect(evaluate(policies, facts({ metadata: { x: value(fits + 1) } }))).toMatchObject({ effect: "deny", reason: "CONDITION_LIMIT" });
  });
});

// ---- property: agrees with RE2 where it fits, denies where it does not, never spends past the budget ----

/** Small RE2 patterns: literals, classes, groups, alternation, repetition (counted too), case folding. */
const atom: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("a", "b", "é", "😀", ".", "\\w", "\\d", "[a-c]", "[^b]", "(?i)A", "^", "$"),
  fc.constantFrom("a", "b").map((c) => `${c}${c}`),
);
const piece = fc.tuple(atom, fc.constantFrom("", "", "*", "+", "?", "{2}", "{1,3}", "{0,40}", "{30}")).map(([a, r]) => (a === "^" || a === "$" ? a : `${a}${r}`));
const branch = fc.array(piece, { minLength: 1, maxLength: 8 }).map((ps) => ps.join(""));
const patterns = fc
  .array(branch, { minLength: 1, maxLength: 3 })
  .map((bs) => (bs.length === 1 ? (bs[0] as string) : `(?:${bs.join("|")})`))
  .filter((p) => {
    if (p.length > MAX_PATTERN_CHARS) return false;
    try {
      return size(p) <= MAX_PATTERN_PROGRAM;
    } catch {
      return false;
    }
  });
/** Values from a small alphabet (so patterns match often), short or up to 20,000 characters. */
const value = fc.oneof(
  fc.array(fc.constantFrom("a", "b", "é", "😀", "1", " "), { maxLength: 40 }).map((cs) => cs.join("")),
  fc.tuple(fc.constantFrom("a", "ab", "😀", "a1"), fc.integer({ min: 0, max: 10_000 }), fc.constantFrom("", "b", "😀")).map(([unit, n, end]) => `${unit.repeat(n)}${end}`),
);

describe("matches, any pattern within the caps × any value within the caps", () => {
  it("agrees with RE2 itself when (length + 1) × instructions fits the budget, denies CONDITION_LIMIT when not, and never spends past the budget", () => {
    fc.assert(
      fc.property(patterns, fc.oneof(value, fc.array(value, { maxLength: 4 })), (pattern, x) => {
        const regex = RE2JS.compile(pattern);
        const strings = Array.isArray(x) ? x : [x];
        const cost = strings.reduce((sum, s) => sum + (s.length + 1) * regex.programSize(), 0);
        const budget = matchBudget();
        const decision = evaluate(
          compile({ name: "p", actions: ["*"], effect: "allow", when: { field: "metadata.x", op: "matches", value: pattern } }),
          facts({ metadata: { x } } as Partial<Facts>),
          undefined,
          budget,
        );
        // Bounded work: what RE2 was given to read, in characters × instructions, never passes the budget.
        expect(budget.spent).toBeLessThanOrEqual(MATCH_BUDGET);
        if (cost <= MATCH_BUDGET) {
          const reference = strings.some((s) => regex.matcher(s).find());
          expect(decision.effect).toBe(reference ? "allow" : "deny");
          expect(budget.spent).toBe(cost);
        } else {
          expect(decision).toMatchObject({ effect: "deny", reason: "CONDITION_LIMIT" });
          expect(budget.spent).toBe(0);
        }
      }),
      { numRuns: 300 },
    );
  });
});

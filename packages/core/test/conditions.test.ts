import { describe, expect, it } from "vitest";
import type { Facts } from "../src/policy/conditions";

/** Past any length a truncating matcher would read: matches must see the whole value (within the match budget, see condition-limits.test.ts). */
const LONG = 4096;
import { parsePolicySet } from "../src/policy/document";
import { evaluate } from "../src/policy/evaluate";
import { AGENT, check, compile, facts, holdsOn, nested, whenIssuePaths } from "./conditions-helpers";
import { validationIssues } from "./helpers";

const on = (field: string, op: string, value?: unknown) => (value === undefined ? { field, op } : { field, op, value });
const x = (op: string, value?: unknown) => on("metadata.x", op, value);

describe("operators on scalars", () => {
  it.each<[string, unknown, unknown, boolean]>([
    ["eq", 5, 5, true],
    ["eq", 5, 6, false],
    ["eq", "a", "a", true],
    ["eq", "a", "A", false],
    ["eq", true, true, true],
    ["eq", null, null, true],
    ["eq", { a: 1, b: [2] }, { b: [2], a: 1 }, true],
    ["eq", { a: 1 }, { a: 2 }, false],
    ["eq", { a: 1 }, { a: 1, b: 2 }, false],
    ["neq", 5, 6, true],
    ["neq", 5, 5, false],
    ["neq", "a", "b", true],
    ["lt", 5, 4, true],
    ["lt", 5, 5, false],
    ["lt", 2, 1.5, true],
    ["lt", 0, -1, true],
    ["lte", 5, 5, true],
    ["lte", 5, 6, false],
    ["gt", 5, 6, true],
    ["gt", 5, 5, false],
    ["gte", 5, 5, true],
    ["gte", 5, 4, false],
    ["in", ["a", "b"], "a", true],
    ["in", ["a", "b"], "c", false],
    ["in", [{ a: 1 }], { a: 1 }, true],
    ["in", [], "a", false],
    ["not_in", ["a", "b"], "c", true],
    ["not_in", ["a", "b"], "b", false],
    ["not_in", [], "a", true],
    ["contains", "lo w", "hello world", true],
    ["contains", "x", "hello", false],
    ["matches", "^feature/", "feature/x", true],
    ["matches", "^feature/", "main", false],
    ["matches", "abc", "xxabcxx", true],
    ["matches", "(?i)^abc$", "ABC", true],
  ])("%s %j on %j → %s", (op, value, actual, expected) => {
    expect(holdsOn(x(op, value), { x: actual })).toBe(expected);
  });

  it.each<[unknown, boolean | undefined, boolean]>([
    ["v", undefined, true],
    ["v", true, true],
    ["v", false, false],
    [null, undefined, true],
    [0, undefined, true],
    ["", false, false],
  ])("exists %j on a present %j → %s", (actual, value, expected) => {
    expect(holdsOn(x("exists", value), { x: actual })).toBe(expected);
  });
});

describe("type mismatches are false", () => {
  it.each<[string, unknown, unknown]>([
    ["eq", 5, "5"],
    ["eq", true, "true"],
    ["eq", null, 0],
    ["eq", [1], { 0: 1 }],
    ["in", ["5"], 5],
    ["lt", 5, "3"],
    ["lte", 5, "5"],
    ["gt", 0, "10"],
    ["gte", 0, true],
    ["lt", 5, null],
    ["gt", 0, [1, 2]],
    ["gte", 0, { n: 1 }],
    ["contains", "a", 5],
    ["contains", "a", { a: 1 }],
    ["contains", 5, "5"],
    ["matches", "1", 1],
    ["matches", "true", true],
    ["matches", "a", { a: "a" }],
  ])("%s %j on %j", (op, value, actual) => {
    expect(holdsOn(x(op, value), { x: actual })).toBe(false);
  });
});

describe("a missing field", () => {
  it.each<[string, unknown]>([
    ["eq", 1],
    ["eq", null],
    ["neq", 1],
    ["lt", 1],
    ["lte", 1],
    ["gt", -1],
    ["gte", -1],
    ["in", [1]],
    ["not_in", [1]],
    ["not_in", []],
    ["contains", "a"],
    ["matches", ".*"],
    ["exists", undefined],
    ["exists", true],
  ])("makes %s %j false", (op, value) => {
    expect(holdsOn(x(op, value), {})).toBe(false);
  });

  it("makes exists false hold", () => {
    expect(holdsOn(x("exists", false), {})).toBe(true);
  });

  it("makes the negation of a comparison hold", () => {
    expect(holdsOn({ not: x("eq", 1) }, {})).toBe(true);
  });

  it("is traced without an actual value", () => {
    const { trace } = check(x("eq", 1));
    expect(trace).toEqual([{ field: "metadata.x", operator: "eq", expected: 1, result: false }]);
    expect(trace[0] && "actual" in trace[0]).toBe(false);
  });
});

describe("lists: any element for eq, contains, matches and in; none for not_in", () => {
  const tags = ["alpha", "beta"];
  it.each<[string, unknown, unknown, boolean]>([
    ["eq", "beta", tags, true],
    ["eq", "gamma", tags, false],
    ["eq", ["alpha", "beta"], tags, true],
    ["eq", ["beta", "alpha"], tags, false],
    ["eq", "alpha", [], false],
    ["neq", "beta", tags, false],
    ["neq", "gamma", tags, true],
    ["contains", "beta", tags, true],
    ["contains", "gamma", tags, false],
    ["contains", "bet", tags, false],
    ["contains", { a: 1 }, [{ a: 2 }, { a: 1 }], true],
    ["in", ["beta", "zeta"], tags, true],
    ["in", ["zeta"], tags, false],
    ["in", ["zeta"], [], false],
    ["not_in", ["zeta"], tags, true],
    ["not_in", ["beta", "zeta"], tags, false],
    ["not_in", ["zeta"], [], true],
    ["matches", "^b", tags, true],
    ["matches", "^g", tags, false],
    ["matches", "^b", [1, null, "beta"], true],
    ["matches", "^1$", [1], false],
    ["lt", 10, [1, 2], false],
  ])("%s %j on %j → %s", (op, value, actual, expected) => {
    expect(holdsOn(x(op, value), { x: actual })).toBe(expected);
  });
});

describe("metadata paths", () => {
  const metadata = { a: { b: { c: 7 } }, s: "abc", n: null, deep: { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } } };
  it.each<[string, string, unknown, boolean]>([
    ["metadata.a.b.c", "eq", 7, true],
    ["metadata.a.b.c", "gt", 6, true],
    ["metadata.a.b", "eq", { c: 7 }, true],
    ["metadata.a", "exists", undefined, true],
    ["metadata.a.b.c.d", "exists", undefined, false],
    ["metadata.a.x.c", "exists", undefined, false],
    ["metadata.s.length", "exists", undefined, false],
    ["metadata.n.x", "exists", undefined, false],
    ["metadata.deep.a.b.c.d.e.f.g", "eq", 1, true],
    ["metadata", "eq", metadata, true],
  ])("%s %s %j → %s", (field, op, value, expected) => {
    expect(holdsOn(on(field, op, value), metadata)).toBe(expected);
  });

  it("metadata itself exists when no metadata was sent", () => {
    expect(holdsOn(on("metadata", "eq", {}), {})).toBe(true);
  });
});

describe("fields resolve own properties only", () => {
  it.each([["metadata.constructor"], ["metadata.__proto__"], ["metadata.toString"], ["metadata.hasOwnProperty"], ["metadata.a.constructor"], ["metadata.a.__proto__"]])(
    "%s is missing on plain metadata",
    (field) => {
      expect(holdsOn(on(field, "exists"), { a: {} })).toBe(false);
    },
  );

  it.each([["metadata.constructor"], ["metadata.__proto__"]])("%s satisfies exists false on plain metadata", (field) => {
    expect(holdsOn(on(field, "exists", false), {})).toBe(true);
  });

  it("an own '__proto__' key (as JSON.parse makes it) is a field", () => {
    expect(holdsOn(on("metadata.__proto__", "eq", 1), JSON.parse('{"__proto__": 1}') as Record<string, unknown>)).toBe(true);
  });

  it("an own 'constructor' key is a field", () => {
    expect(holdsOn(on("metadata.constructor", "eq", "x"), { constructor: "x" })).toBe(true);
  });

  it.each([["agent.labels.constructor"], ["agent.labels.__proto__"]])("%s is missing for an agent without that label", (field) => {
    expect(check(on(field, "exists")).result).toBe(false);
  });
});

describe("fields", () => {
  const data: Facts["dataAccessed"] = [{ type: "pii", count: 2, sensitivity: "high" }, { type: "secrets", count: 3 }, { type: "logs" }];
  it.each<[string, unknown, Partial<Facts>, boolean]>([
    ["actionType eq", on("actionType", "eq", "pr.merge"), {}, true],
    ["actionType eq (other)", on("actionType", "eq", "pr.open"), {}, false],
    ["actionType matches", on("actionType", "matches", "^pr\\."), {}, true],
    ["actionType in", on("actionType", "in", ["pr.open", "pr.merge"]), {}, true],
    ["dataAccessed contains an entry", on("dataAccessed", "contains", { type: "pii", count: 2, sensitivity: "high" }), { dataAccessed: data }, true],
    ["dataAccessed contains a partial entry", on("dataAccessed", "contains", { type: "pii" }), { dataAccessed: data }, false],
    ["dataAccessed eq [] when nothing was accessed", on("dataAccessed", "eq", []), {}, true],
    ["dataAccessed.type eq any element", on("dataAccessed.type", "eq", "secrets"), { dataAccessed: data }, true],
    ["dataAccessed.type eq the list", on("dataAccessed.type", "eq", ["pii", "secrets", "logs"]), { dataAccessed: data }, true],
    ["dataAccessed.type in", on("dataAccessed.type", "in", ["logs"]), { dataAccessed: data }, true],
    ["dataAccessed.type not_in (one present)", on("dataAccessed.type", "not_in", ["pii"]), { dataAccessed: data }, false],
    ["dataAccessed.type not_in (none present)", on("dataAccessed.type", "not_in", ["billing"]), { dataAccessed: data }, true],
    ["dataAccessed.type matches", on("dataAccessed.type", "matches", "^sec"), { dataAccessed: data }, true],
    ["dataAccessed.type contains", on("dataAccessed.type", "contains", "logs"), { dataAccessed: data }, true],
    ["dataAccessed.sensitivity lists only the given ones", on("dataAccessed.sensitivity", "eq", ["high"]), { dataAccessed: data }, true],
    ["dataAccessed.sensitivity in", on("dataAccessed.sensitivity", "in", ["low", "high"]), { dataAccessed: data }, true],
    ["dataAccessed.sensitivity in (absent)", on("dataAccessed.sensitivity", "in", ["low"]), { dataAccessed: data }, false],
    ["dataAccessed.count sums, missing counts 0", on("dataAccessed.count", "eq", 5), { dataAccessed: data }, true],
    ["dataAccessed.count gt", on("dataAccessed.count", "gt", 4), { dataAccessed: data }, true],
    ["dataAccessed.count gt (at the sum)", on("dataAccessed.count", "gt", 5), { dataAccessed: data }, false],
    ["dataAccessed.count of entries without counts", on("dataAccessed.count", "eq", 0), { dataAccessed: [{ type: "a" }, { type: "b" }] }, true],
    ["dataAccessed.count of nothing", on("dataAccessed.count", "eq", 0), {}, true],
    ["agent.id", on("agent.id", "eq", AGENT.id), {}, true],
    ["agent.id (other)", on("agent.id", "eq", "agt_other"), {}, false],
    ["agent.name", on("agent.name", "eq", "ci-bot"), {}, true],
    ["agent.name matches", on("agent.name", "matches", "^ci-"), {}, true],
    ["agent.labels.<key>", on("agent.labels.env", "eq", "prod"), {}, true],
    ["agent.labels.<key> (other value)", on("agent.labels.env", "eq", "dev"), {}, false],
    ["agent.labels.<dotted key>", on("agent.labels.team.sub", "eq", "infra"), {}, true],
    ["agent.labels.<absent key> eq", on("agent.labels.tier", "eq", "gold"), {}, false],
    ["agent.labels.<absent key> neq", on("agent.labels.tier", "neq", "gold"), {}, false],
    ["agent.labels.<absent key> exists false", on("agent.labels.tier", "exists", false), {}, true],
    ["delegation.depth of a root agent is 0", on("delegation.depth", "eq", 0), {}, true],
    ["delegation.rootAgent of a root agent is itself", on("delegation.rootAgent", "eq", "ci-bot"), {}, true],
    ["delegation.chain of a root agent is itself", on("delegation.chain", "eq", ["ci-bot"]), {}, true],
    ["delegation.depth of a delegate", on("delegation.depth", "gte", 2), { delegation: { depth: 2, rootAgent: "ci-bot", chain: ["ci-bot", "a", "b"] } }, true],
    ["delegation.rootAgent of a delegate", on("delegation.rootAgent", "eq", "ci-bot"), { delegation: { depth: 1, rootAgent: "ci-bot", chain: ["ci-bot", "a"] } }, true],
    ["delegation.chain contains", on("delegation.chain", "contains", "a"), { delegation: { depth: 1, rootAgent: "ci-bot", chain: ["ci-bot", "a"] } }, true],
    ["delegation.chain in (none)", on("delegation.chain", "in", ["z"]), { delegation: { depth: 1, rootAgent: "ci-bot", chain: ["ci-bot", "a"] } }, false],
  ])("%s → %s", (_name, when, over, expected) => {
    expect(check(when, facts(over)).result).toBe(expected);
  });
});

// ---- combinators and the trace ------------------------------------------------------------------

/** `k<i>` holds when `holds`; metadata has k1..k9 = 1. */
const k = (i: number, holds: boolean) => ({ field: `metadata.k${i}`, op: "eq", value: holds ? 1 : 2 });
const K_METADATA = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i + 1}`, 1]));

describe("combinators", () => {
  it.each<[string, unknown, boolean]>([
    ["all of true, true", { all: [k(1, true), k(2, true)] }, true],
    ["all of true, false", { all: [k(1, true), k(2, false)] }, false],
    ["all of one false", { all: [k(1, false)] }, false],
    ["any of false, false", { any: [k(1, false), k(2, false)] }, false],
    ["any of false, true", { any: [k(1, false), k(2, true)] }, true],
    ["not of true", { not: k(1, true) }, false],
    ["not of false", { not: k(1, false) }, true],
    ["not not of true", { not: { not: k(1, true) } }, true],
    ["all(any(false, true), not(false))", { all: [{ any: [k(1, false), k(2, true)] }, { not: k(3, false) }] }, true],
    ["any(all(true, false), not(true))", { any: [{ all: [k(1, true), k(2, false)] }, { not: k(3, true) }] }, false],
    ["not(any(false, all(true, true)))", { not: { any: [k(1, false), { all: [k(2, true), k(3, true)] }] } }, false],
  ])("%s → %s", (_name, when, expected) => {
    expect(holdsOn(when, K_METADATA)).toBe(expected);
  });
});

describe("the trace lists what was examined, in order", () => {
  it.each<[string, unknown, boolean, string[]]>([
    ["all stops at the first false", { all: [k(1, true), k(2, false), k(3, true)] }, false, ["k1", "k2"]],
    ["all examines every part when all hold", { all: [k(1, true), k(2, true), k(3, true)] }, true, ["k1", "k2", "k3"]],
    ["any stops at the first true", { any: [k(1, false), k(2, true), k(3, false)] }, true, ["k1", "k2"]],
    ["any examines every part when none holds", { any: [k(1, false), k(2, false), k(3, false)] }, false, ["k1", "k2", "k3"]],
    ["not examines its part", { not: k(1, true) }, false, ["k1"]],
    ["a false all inside any moves on to the next part", { any: [{ all: [k(1, false), k(2, true)] }, { not: k(3, false) }, k(4, true)] }, true, ["k1", "k3"]],
    ["a true any inside all moves on to the next part", { all: [{ any: [k(1, true), k(2, true)] }, { all: [k(3, true), k(4, false)] }, k(5, true)] }, false, ["k1", "k3", "k4"]],
  ])("%s", (_name, when, expected, examined) => {
    const { result, trace } = check(when, facts({ metadata: K_METADATA }));
    expect({ result, examined: trace.map((entry) => entry.field.replace("metadata.", "")) }).toEqual({ result: expected, examined });
  });

  it("each entry carries field, operator, expected, actual, result and the policy's name", () => {
    const policies = compile({
      name: "trace-me",
      actions: ["pr.merge"],
      effect: "deny",
      when: { all: [on("metadata.size", "gt", 50), { not: on("metadata.reviewer", "exists") }, on("agent.labels.env", "in", ["prod"])] },
    });
    const decision = evaluate(policies, facts({ metadata: { size: 51 } }));
    expect(decision.conditionsEvaluated).toEqual([
      { policy: "trace-me", field: "metadata.size", operator: "gt", expected: 50, actual: 51, result: true },
      { policy: "trace-me", field: "metadata.reviewer", operator: "exists", expected: undefined, result: false },
      { policy: "trace-me", field: "agent.labels.env", operator: "in", expected: ["prod"], actual: "prod", result: true },
    ]);
  });

  it("records the comparison's own result, not the result after not", () => {
    const { trace } = check({ not: k(1, true) }, facts({ metadata: K_METADATA }));
    expect(trace.map((entry) => entry.result)).toEqual([true]);
  });
});

// ---- matches ------------------------------------------------------------------------------------

describe("matches uses RE2", () => {
  it("a nested quantifier on a long non-matching input within the limit returns false", () => {
    expect(holdsOn(x("matches", "^(a+)+$"), { x: `${"a".repeat(4000)}b` })).toBe(false);
  });

  it("an alternation blow-up pattern on a long non-matching input returns false", () => {
    expect(holdsOn(x("matches", "^(a|aa)+$"), { x: `${"a".repeat(4000)}b` })).toBe(false);
  });

  it.each<[string, string]>([
    ["^(a+)+$", `${"a".repeat(5_000)}b`],
    ["^[a-z0-9-]+$", `${"a".repeat(LONG)};rm -rf /`],
  ])("an end-anchored %s does not match a long input that only fits it in part", (pattern, input) => {
    expect(holdsOn(x("matches", pattern), { x: input })).toBe(false);
  });
});

describe("matches reads the whole value, as long as the match budget allows (16,665 characters for `b`)", () => {
  it.each<[string, string, unknown, boolean]>([
    ["a match at the end of a long input", "b", `${"a".repeat(LONG - 1)}b`, true],
    ["a match far into a long input", "b", `${"a".repeat(LONG * 4)}b`, true],
    ["a match far into a long list element", "b", ["x", `${"a".repeat(LONG * 4)}b`], true],
    ["a match at the start of a long input", "^b", `b${"a".repeat(10_000)}`, true],
  ])("%s", (_name, pattern, actual, expected) => {
    expect(holdsOn(x("matches", pattern), { x: actual })).toBe(expected);
  });
});

describe("matches patterns are checked by parsePolicySet", () => {
  it.each<[string, unknown, string]>([
    ["a backreference", x("matches", "(a)\\1"), "policies[0].when.value"],
    ["a backreference in all[1]", { all: [x("exists"), x("matches", "(a)\\1")] }, "policies[0].when.all[1].value"],
    ["a lookahead", x("matches", "(?=a)"), "policies[0].when.value"],
    ["a lookbehind", x("matches", "(?<=a)b"), "policies[0].when.value"],
    ["an unclosed group", x("matches", "(a"), "policies[0].when.value"],
    ["a reversed range", x("matches", "[z-a]"), "policies[0].when.value"],
    ["an invalid pattern in any[0].not", { any: [{ not: x("matches", "(") }] }, "policies[0].when.any[0].not.value"],
    ["a pattern of 257 characters", x("matches", "a".repeat(257)), "policies[0].when.value"],
    ["a non-string pattern", x("matches", 5), "policies[0].when.value"],
    ["no pattern", x("matches"), "policies[0].when.value"],
  ])("rejects %s", (_name, when, path) => {
    expect(whenIssuePaths(when)).toEqual([path]);
  });

  it.each([["^(a+)+$"], ["a".repeat(256)], ["(?i)^feat/[a-z]{1,20}$"]])("accepts %s", (pattern) => {
    expect(() => parsePolicySet({ policies: [{ name: "p", actions: ["*"], effect: "deny", when: x("matches", pattern) }] })).not.toThrow();
  });
});

// ---- validation ---------------------------------------------------------------------------------

const parsesWith = (when: unknown) => () => parsePolicySet({ policies: [{ name: "p", actions: ["*"], effect: "deny", when }] });

describe("fields are validated", () => {
  it.each([
    ["actionType"],
    ["metadata"],
    ["metadata.a"],
    ["metadata.a-b_C9"],
    ["metadata.a.b.c.d.e.f.g.h"],
    ["dataAccessed"],
    ["dataAccessed.type"],
    ["dataAccessed.sensitivity"],
    ["dataAccessed.count"],
    ["agent.id"],
    ["agent.name"],
    ["agent.labels.env"],
    ["agent.labels.team.sub"],
  ])("accepts %s", (field) => {
    expect(parsesWith(on(field, "exists"))).not.toThrow();
  });

  it.each<[unknown, string]>([
    [on("secret.x", "eq", 1), "policies[0].when.field"],
    [on("agent.password", "eq", 1), "policies[0].when.field"],
    [on("agent.labels", "exists"), "policies[0].when.field"],
    [on("agent.labels.", "exists"), "policies[0].when.field"],
    [on("agent", "exists"), "policies[0].when.field"],
    [on("dataAccessed.owner", "exists"), "policies[0].when.field"],
    [on("actionType.x", "exists"), "policies[0].when.field"],
    [on("Metadata.x", "exists"), "policies[0].when.field"],
    [on("metadata.", "exists"), "policies[0].when.field"],
    [on("metadata..a", "exists"), "policies[0].when.field"],
    [on("metadata.a b", "exists"), "policies[0].when.field"],
    [on("metadata.a.b.c.d.e.f.g.h.i", "exists"), "policies[0].when.field"],
    [on("", "exists"), "policies[0].when.field"],
    [{ all: [on("secret.x", "eq", 1)] }, "policies[0].when.all[0].field"],
    [{ any: [x("exists"), on("agent.password", "eq", 1)] }, "policies[0].when.any[1].field"],
    [{ not: on("secret.x", "exists") }, "policies[0].when.not.field"],
    [{ all: [{ any: [x("exists"), { not: on("secret.x", "exists") }] }] }, "policies[0].when.all[0].any[1].not.field"],
  ])("rejects %j at %s", (when, path) => {
    expect(whenIssuePaths(when)).toEqual([path]);
  });
});

describe("values are validated per operator", () => {
  it.each<[string, unknown]>([
    ["lt", "5"],
    ["lte", null],
    ["gt", true],
    ["gte", [5]],
    ["lt", {}],
    ["gt", Number.POSITIVE_INFINITY],
    ["gte", Number.NaN],
    ["lt", undefined],
    ["in", "a"],
    ["in", 5],
    ["not_in", {}],
    ["not_in", null],
    ["in", undefined],
    ["in", Array.from({ length: 1001 }, (_, i) => i)],
    ["exists", "true"],
    ["exists", 1],
    ["exists", null],
    ["exists", []],
    ["eq", undefined],
    ["neq", undefined],
    ["contains", undefined],
  ])("rejects %s with %j at policies[0].when.value", (op, value) => {
    expect(whenIssuePaths(x(op, value))).toEqual(["policies[0].when.value"]);
  });

  it.each<[string, unknown]>([
    ["lt", 0],
    ["gte", -1.5],
    ["in", []],
    ["not_in", Array.from({ length: 1000 }, (_, i) => i)],
    ["exists", undefined],
    ["exists", true],
    ["exists", false],
    ["eq", null],
    ["neq", { a: [1] }],
    ["contains", 5],
  ])("accepts %s with %j", (op, value) => {
    expect(parsesWith(x(op, value))).not.toThrow();
  });
});

describe("condition shapes are validated", () => {
  it.each<[string, unknown]>([
    ["an unknown op", x("like", "a")],
    ["an upper-case op", x("EQ", "a")],
    ["an unknown op in all[0]", { all: [x("like", "a")] }],
    ["an extra key on a comparison", { ...x("eq", 1), values: [1] }],
    ["an empty all", { all: [] }],
    ["an empty any", { any: [] }],
    ["two combinators in one object", { all: [x("exists")], any: [x("exists")] }],
    ["a comparison without op", { field: "metadata.x", value: 1 }],
    ["a string", "metadata.x == 1"],
  ])("rejects %s under policies[0].when", (_name, when) => {
    const paths = whenIssuePaths(when);
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.every((path) => path.startsWith("policies[0].when"))).toBe(true);
  });
});

describe("nesting depth", () => {
  const wrappers: Array<[string, (inner: unknown) => unknown]> = [
    ["not", (inner) => ({ not: inner })],
    ["all", (inner) => ({ all: [inner] })],
    ["any", (inner) => ({ any: [x("exists"), inner] })],
  ];

  it.each(wrappers)("accepts 8 levels of %s", (_name, wrap) => {
    expect(parsesWith(nested(8, wrap))).not.toThrow();
  });

  it.each(wrappers)("rejects 9 levels of %s at policies[0].when", (_name, wrap) => {
    expect(whenIssuePaths(nested(9, wrap))).toEqual(["policies[0].when"]);
  });

  it("names the policy whose condition is too deep", () => {
    const when = nested(9, (inner) => ({ not: inner }));
    const paths = validationIssues(() =>
      parsePolicySet({
        policies: [
          { name: "a", actions: ["*"], effect: "allow" },
          { name: "b", actions: ["*"], effect: "deny", when },
        ],
      }),
    ).map((i) => i.path);
    expect(paths).toEqual(["policies[1].when"]);
  });

  it("rejects a 5000-level condition (well inside a 64 KiB body) as a validation error", () => {
    expect(whenIssuePaths(nested(5000, (inner) => ({ not: inner })))).toEqual(["policies[0].when"]);
  });
});

describe("rate specs", () => {
  it.each<[unknown]>([[{ over: 0, windowSeconds: 1 }], [{ over: 1_000_000, windowSeconds: 2_592_000, per: "org" }], [{ over: 5, windowSeconds: 3600, per: "agent" }]])(
    "accepts %j",
    (rate) => {
      expect(parsesWith({ rate })).not.toThrow();
    },
  );

  it("defaults per to agent", () => {
    const [policy] = parsePolicySet({ policies: [{ name: "p", actions: ["*"], effect: "deny", when: { rate: { over: 5, windowSeconds: 60 } } }] });
    expect(policy?.when).toEqual({ rate: { over: 5, windowSeconds: 60, per: "agent" } });
  });

  it.each<[unknown]>([
    [{ over: -1, windowSeconds: 60 }],
    [{ over: 1.5, windowSeconds: 60 }],
    [{ over: "5", windowSeconds: 60 }],
    [{ over: 1_000_001, windowSeconds: 60 }],
    [{ windowSeconds: 60 }],
    [{ over: 5, windowSeconds: 0 }],
    [{ over: 5, windowSeconds: 2_592_001 }],
    [{ over: 5, windowSeconds: 1.5 }],
    [{ over: 5 }],
    [{ over: 5, windowSeconds: 60, per: "user" }],
    [{ over: 5, windowSeconds: 60, per: "" }],
    [{ over: 5, windowSeconds: 60, burst: 2 }],
    [5],
  ])("rejects %j under policies[0].when", (rate) => {
    const paths = whenIssuePaths({ rate });
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.every((path) => path.startsWith("policies[0].when"))).toBe(true);
  });

  it.each<[unknown, string]>([
    [{ over: -1, windowSeconds: 60 }, "policies[0].when.rate.over"],
    [{ over: 5, windowSeconds: 0 }, "policies[0].when.rate.windowSeconds"],
    [{ over: 5, windowSeconds: 2_592_001 }, "policies[0].when.rate.windowSeconds"],
  ])("points at the out-of-range number in %j", (rate, path) => {
    expect(whenIssuePaths({ rate })).toEqual([path]);
  });
});

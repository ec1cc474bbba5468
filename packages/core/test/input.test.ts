import { describe, expect, test } from "vitest";
import { z } from "zod";
import { canonicalize } from "@gatehouse/tlog/portable";
import { inspectInput, isSafeText, jsonRecord, jsonValue, MAX_JSON_DEPTH, MAX_REQUEST_DEPTH, safeString } from "../src/input";
import { parseActionRequest } from "../src/actions/action-result";
import { conditionDepth, type Condition } from "../src/policy/conditions";
import { formatIssuePath, parsePolicySet } from "../src/policy/document";
import { DomainError } from "../src/errors";

/** An array nested `depth` levels: `[[[…]]]`, built without recursion. */
function deepArray(depth: number): unknown[] {
  let value: unknown[] = [];
  for (let i = 1; i < depth; i += 1) value = [value];
  return value;
}

/** An object nested `depth` levels: `{"a":{"a":…}}`. */
function deepObject(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 1; i < depth; i += 1) value = { a: value };
  return value;
}

describe("isSafeText: what PostgreSQL text and RFC 8785 hashing carry byte for byte", () => {
  test.each([
    ["", true],
    ["plain ascii", true],
    ["emoji 😀 👩🏽‍💻", true],
    ["paired surrogates \ud83d\ude00\ud834\udd1e", true],
    ["RTL שלום مرحبا \u200f", true],
    ["combining e\u0301 a\u0308", true],
    ["controls other than NUL \u0001\t\n\u001f\u007f", true],
    ["U+FFFD \ufffd and U+FFFF \uffff", true],
    ["NUL \u0000 inside", false],
    ["\u0000", false],
    ["lone high \ud800", false],
    ["\ud800 lone high first", false],
    ["lone low \udc00", false],
    ["reversed pair \ude00\ud83d", false],
    ["high high \ud83d\ud83d\ude00", false],
    ["pair then lone low \ud83d\ude00\ude00", false],
  ])("%j → %s", (text, safe) => {
    expect(isSafeText(text)).toBe(safe);
    // Node's own check agrees on surrogates.
    if (!text.includes("\u0000")) expect((text as string & { isWellFormed(): boolean }).isWellFormed()).toBe(safe);
  });
});

describe("inspectInput: the first thing the edge refuses, with its path", () => {
  test.each<[string, unknown, { maxDepth?: number; maxNodes?: number; jsonOnly?: boolean }, { path: string; message: RegExp } | null]>([
    ["a plain object", { a: 1, b: ["x", { c: null }] }, {}, null],
    ["a NUL in a nested value", { a: { b: [1, "x\u0000"] } }, {}, { path: "a.b[1]", message: /NUL/ }],
    ["a lone surrogate at the top", "\udfff", {}, { path: "", message: /surrogate/ }],
    ["a NUL in a key, named at its object", { a: { "k\u0000": 1 } }, {}, { path: "a", message: /key/ }],
    ["a lone surrogate in a top-level key", { "\ud800": 1 }, {}, { path: "", message: /key/ }],
    ["depth exactly at the limit", deepArray(4), { maxDepth: 4 }, null],
    ["one level over the limit", deepArray(5), { maxDepth: 4 }, { path: "[0][0][0][0]", message: /deeper than 4/ }],
    ["objects count as levels too", { x: deepObject(3) }, { maxDepth: 3 }, { path: "x.a.a", message: /deeper than 3/ }],
    ["scalars do not add a level", { a: { b: "deep enough" } }, { maxDepth: 2 }, null],
    ["too many values", Array.from({ length: 20 }, (_, i) => i), { maxNodes: 10 }, { path: "", message: /more than 10 values/ }],
    ["a non-finite number in JSON", { n: Number.NaN }, { jsonOnly: true }, { path: "n", message: /finite/ }],
    ["a Date is not JSON", { d: new Date(0) }, { jsonOnly: true }, { path: "d", message: /JSON value/ }],
    ["a function is not JSON", [() => 1], { jsonOnly: true }, { path: "[0]", message: /JSON value/ }],
    ["100,000 levels, refused without recursion", deepArray(100_000), {}, { path: "[0]".repeat(MAX_JSON_DEPTH), message: /deeper than 32/ }],
  ])("%s", (_name, value, options, expected) => {
    const issue = inspectInput(value, options);
    if (expected === null) expect(issue).toBeNull();
    else {
      expect(issue).not.toBeNull();
      expect(formatIssuePath(issue?.path ?? [])).toBe(expected.path);
      expect(issue?.message).toMatch(expected.message);
    }
  });
});

describe("the zod building blocks name the field", () => {
  const schema = z.strictObject({ name: safeString().max(10), metadata: jsonRecord(), value: jsonValue().optional() });
  const issuesOf = (input: unknown) => {
    const parsed = schema.safeParse(input);
    return parsed.success ? [] : parsed.error.issues.map((i) => formatIssuePath(i.path));
  };

  test.each<[string, unknown, string[]]>([
    ["valid unusual text", { name: "é😀ש", metadata: { "ключ 😀": { ñ: ["\u0301"] } }, value: ["a", { b: 1 }] }, []],
    ["NUL in a string field", { name: "a\u0000", metadata: {} }, ["name"]],
    ["lone surrogate in a string field", { name: "\udc00", metadata: {} }, ["name"]],
    ["NUL in a metadata key", { name: "a", metadata: { "k\u0000": 1 } }, ["metadata.k\u0000"]],
    ["lone surrogate in a nested metadata value", { name: "a", metadata: { a: [{ b: "\ud800" }] } }, ["metadata.a[0].b"]],
    ["metadata nested over 32 levels (the record is level 1)", { name: "a", metadata: { x: deepArray(32) } }, [`metadata.x${"[0]".repeat(MAX_JSON_DEPTH - 1)}`]],
    ["metadata nested exactly 32 levels", { name: "a", metadata: { x: deepArray(31) } }, []],
    ["a free value with a NUL key", { name: "a", metadata: {}, value: { a: { "\u0000": 1 } } }, ["value.a"]],
    ["a free value nested 10,000 deep", { name: "a", metadata: {}, value: deepArray(10_000) }, [`value${"[0]".repeat(MAX_JSON_DEPTH)}`]],
    ["a free value that is not JSON", { name: "a", metadata: {}, value: { n: Number.POSITIVE_INFINITY } }, ["value.n"]],
  ])("%s", (_name, input, paths) => {
    expect(issuesOf(input)).toEqual(paths);
  });
});

describe("the services' own parsers refuse before any recursive walk", () => {
  const refusal = (run: () => unknown): { path: string; message: string } | undefined => {
    try {
      run();
    } catch (error) {
      if (error instanceof DomainError) return (error.details as { issues: Array<{ path: string; message: string }> }).issues[0];
      throw error;
    }
    return undefined;
  };

  test("an action request nested 100,000 deep is a VALIDATION error naming metadata", () => {
    const issue = refusal(() => parseActionRequest({ actionType: "pr.open", metadata: { x: deepArray(100_000) } }));
    expect(issue?.path.startsWith("metadata.x[0]")).toBe(true);
    expect(issue?.message).toMatch(/deeper than/);
  });

  test("an action request with a lone surrogate in a metadata key is a VALIDATION error naming metadata", () => {
    expect(refusal(() => parseActionRequest({ actionType: "pr.open", metadata: { "\ud800": 1 } }))).toMatchObject({ path: "metadata" });
  });

  test(`an action request nested within ${MAX_REQUEST_DEPTH} levels but over 32 in metadata names the metadata path`, () => {
    const issue = refusal(() => parseActionRequest({ actionType: "pr.open", metadata: { x: deepArray(40) } }));
    expect(issue?.path).toBe(`metadata.x${"[0]".repeat(MAX_JSON_DEPTH - 1)}`);
  });

  test("a policy whose condition nests 100,000 deep is refused, not a stack overflow", () => {
    let when: Condition = { field: "actionType", op: "exists" };
    for (let i = 0; i < 100_000; i += 1) when = { not: when };
    expect(refusal(() => parsePolicySet({ policies: [{ name: "deep", actions: ["*"], effect: "allow", when }] }))).toMatchObject({ path: "policies[0].when" });
    // conditionDepth itself walks without recursion.
    expect(conditionDepth(when)).toBe(100_001);
  });

  test("a condition value with a NUL is refused with its path", () => {
    const issue = refusal(() => parsePolicySet({ policies: [{ name: "nul", actions: ["*"], effect: "allow", when: { field: "metadata.a", op: "in", value: ["ok", "\u0000"] } }] }));
    expect(issue?.path).toBe("policies[0].when.value[1]");
  });
});

describe("canonicalize walks without recursion", () => {
  test("100,000 nested arrays: no RangeError, the exact text", () => {
    const depth = 100_000;
    expect(canonicalize(deepArray(depth))).toBe(`${"[".repeat(depth)}${"]".repeat(depth)}`);
  });

  test("100,000 nested objects with unsorted siblings at the bottom", () => {
    const depth = 100_000;
    let value: Record<string, unknown> = { b: 2, a: [1, { d: true, c: null }] };
    for (let i = 1; i < depth; i += 1) value = { k: value, j: i === depth - 1 ? "top" : undefined };
    const text = canonicalize(value);
    expect(text.startsWith('{"j":"top","k":{"k":{')).toBe(true);
    expect(text.endsWith(`{"a":[1,{"c":null,"d":true}],"b":2}${"}".repeat(depth - 1)}`)).toBe(true);
  });

  test("a cycle throws a TypeError instead of running forever", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { back: cyclic };
    expect(() => canonicalize(cyclic)).toThrow(TypeError);
    const list: unknown[] = [1];
    list.push(list);
    expect(() => canonicalize(list)).toThrow(/cycle/);
  });

  test("the same object twice (not a cycle) is written twice", () => {
    const shared = { z: 1, y: [2] };
    expect(canonicalize({ b: shared, a: [shared, shared] })).toBe('{"a":[{"y":[2],"z":1},{"y":[2],"z":1}],"b":{"y":[2],"z":1}}');
  });
});

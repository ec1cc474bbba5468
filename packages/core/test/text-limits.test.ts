import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatPolicySource,
  jsonStringEnd,
  parsePolicySource,
  policyLibrary,
  POLICY_SOURCE_LIMITS,
  REQUEST_BODY_LIMITS,
  scanJsonText,
  scanYamlText,
  type PolicySourceFormat,
} from "../src";

// The linear count before any parser: every bomb class refused with its limit and line, every real
// set (the whole library, as YAML and JSON) and half-typed text let through to the parser.

const deep = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

describe("policy source limits", () => {
  const bombs: Array<[string, PolicySourceFormat, string, string, number]> = [
    ["JSON arrays 65 deep", "json", `{"policies": ${deep(64)}}`, "nests deeper than 64 levels", 1],
    ["JSON objects 100,000 deep", "json", `{"p": ${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}}`, "nests deeper than 64 levels", 1],
    ["YAML flow sequences 65 deep", "yaml", `policies: ${deep(64)}\n`, "nests deeper than 64 levels", 1],
    ["YAML flow over lines", "yaml", `policies:\n${Array.from({ length: 70 }, () => "  [\n").join("")}`, "nests deeper than 64 levels", 64],
    ["YAML block mappings 65 deep", "yaml", Array.from({ length: 70 }, (_, i) => `${" ".repeat(i)}a:\n`).join(""), "nests deeper than 64 levels", 65],
    ["YAML compact sequences", "yaml", `policies:\n${"- ".repeat(70)}x\n`, "nests deeper than 64 levels", 2],
    [
      "1,001 keys in one YAML mapping",
      "yaml",
      `policies:\n  - name: a\n${Array.from({ length: 1_000 }, (_, i) => `    k${i}: 1\n`).join("")}`,
      "has an object with more than 1000 keys",
      1002,
    ],
    ["1,001 keys in one YAML flow mapping", "yaml", `p: {${Array.from({ length: 1_001 }, (_, i) => `k${i}: 1`).join(", ")}}\n`, "has an object with more than 1000 keys", 1],
    [
      "1,001 keys in one JSON object",
      "json",
      JSON.stringify({ policies: [Object.fromEntries(Array.from({ length: 1_001 }, (_, i) => [`k${i}`, 1]))] }),
      "has an object with more than 1000 keys",
      1,
    ],
    ["200,001 values", "json", `{"p": [${Array(200_001).fill("1").join(",")}]}`, "holds more than 200000 values and keys", 1],
    ["a 65,537-character JSON string", "json", JSON.stringify({ policies: [], d: "x".repeat(65_537) }), "has a string longer than 65536 characters", 1],
    ["a 65,537-character plain scalar", "yaml", `d: ${"x".repeat(65_537)}\n`, "has a string longer than 65536 characters", 1],
    ["a 65,537-character quoted scalar", "yaml", `d: "${"x".repeat(65_537)}"\n`, "has a string longer than 65536 characters", 1],
    ["a block scalar of 65,537 characters", "yaml", `d: |\n${"  xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n".repeat(1_700)}`, "has a string longer than 65536 characters", 1_600],
    ["101 anchors", "yaml", Array.from({ length: 101 }, (_, i) => `a${i}: &a${i} 1\n`).join(""), "has more than 100 anchors", 101],
    ["101 aliases", "yaml", `a: &a [x]\n${Array.from({ length: 101 }, (_, i) => `b${i}: *a\n`).join("")}`, "has more than 100 aliases", 102],
  ];
  it.each(bombs)("%s: refused at `source` with its line", (_name, format, source, message, line) => {
    const parsed = parsePolicySource(source, format);
    expect(parsed).toEqual({ ok: false, issues: [{ path: "source", message, line }] });
  });

  it("lets every library template through, as YAML and as JSON", () => {
    const { templates } = policyLibrary();
    const all = { policies: templates.flatMap((t) => t.policies), tests: templates.flatMap((t) => t.tests) };
    for (const format of ["yaml", "json"] as const) {
      const source = formatPolicySource(all, format);
      expect(format === "yaml" ? scanYamlText(source, POLICY_SOURCE_LIMITS) : scanJsonText(source, POLICY_SOURCE_LIMITS)).toBeNull();
      expect(parsePolicySource(source, format).ok).toBe(true);
    }
  });

  it("lets text with brackets, colons, hashes and quotes inside its scalars through", () => {
    const source = [
      "policies:",
      "  - name: a # a comment [[[[",
      "    description: 'it''s [not] a {list}: really'",
      '    actions: ["pr.*", "repo:push"]',
      "    effect: allow",
      "    when: { field: metadata.url, op: matches, value: '^https://[a-z]+\\.example/[{]' }",
      "",
    ].join("\n");
    expect(parsePolicySource(source, "yaml").ok).toBe(true);
  });

  it.each([["policies:\n  - name: [a, {b: "], ['{"policies": [{"name": "a"'], ["policies: |\n  unterminated\n  - x: ["]])(
    "counts half-typed text without throwing: %j",
    (source) => {
      expect(scanYamlText(source, POLICY_SOURCE_LIMITS)).toBeNull();
      expect(scanJsonText(source, POLICY_SOURCE_LIMITS)).toBeNull();
    },
  );
});

describe("request body limits", () => {
  it("names the path of the container that goes too deep", () => {
    const issue = scanJsonText(`{"actionType":"x","metadata":{"a":${deep(100)}}}`, REQUEST_BODY_LIMITS);
    expect(issue?.message).toBe("nests deeper than 64 levels");
    expect(issue?.path.slice(0, 3)).toEqual(["metadata", "a", 0]);
  });

  it("decodes escaped keys in the path", () => {
    expect(scanJsonText(`{"met\\u0061": ${deep(100)}}`, REQUEST_BODY_LIMITS)?.path[0]).toBe("meta");
  });

  it("lets 10,000 metadata values through", () => {
    expect(scanJsonText(JSON.stringify({ actionType: "x", metadata: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i])) }), REQUEST_BODY_LIMITS)).toBeNull();
  });
});

describe("jsonStringEnd (where a JSON string closes, found with indexOf)", () => {
  /** The definition: step over `\x` pairs, stop after the first bare quote. */
  const reference = (text: string, start: number): number => {
    for (let i = start + 1; i < text.length;) {
      const c = text.charCodeAt(i);
      if (c === 92) i += 2;
      else if (c === 34) return i + 1;
      else i += 1;
    }
    return text.length;
  };

  it("agrees with stepping over escape pairs on any text of quotes, backslashes and letters", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('"', "\\", "a", "é", "\n"), { maxLength: 40 }), (chars) => {
        const text = `"${chars.join("")}`;
        expect(jsonStringEnd(text, 0)).toBe(reference(text, 0));
      }),
      { numRuns: 5_000 },
    );
  });

  it.each([
    ['"abc"', 5],
    ['"a\\"b"', 6],
    ['"a\\\\"b"', 5],
    ['"a\\\\\\"b"', 8],
    ['"never closes\\"', 15],
    ['"\\', 2],
  ])("%s closes at %i", (text, end) => {
    expect(jsonStringEnd(text, 0)).toBe(end);
  });

  it("finds the end of a 1 MB string as JSON.stringify writes it", () => {
    const value = `${"x".repeat(500_000)}"\\${"y".repeat(500_000)}`;
    const text = JSON.stringify(value);
    expect(jsonStringEnd(text, 0)).toBe(text.length);
  });
});

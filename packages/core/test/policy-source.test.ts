import { describe, expect, it } from "vitest";
import { formatPolicySource, issuePathSegments, parsePolicySource, type PolicySourceFormat } from "../src/policy/policy-source";

const YAML_SET = `policies:
  - name: allow-pr
    actions: [pr.*]
    effect: allow
  - name: no-deletes
    actions: ["*.delete"]
    effect: deny
tests:
  - name: deletes are refused
    request: { actionType: repo.delete }
    expect: { effect: deny, policy: no-deletes }
`;

const JSON_SET = `{
  "policies": [
    { "name": "allow-pr", "actions": ["pr.*"], "effect": "allow" },
    {
      "name": "no-deletes",
      "actions": ["*.delete"],
      "effect": "deny"
    }
  ]
}`;

describe("parsePolicySource", () => {
  it.each<[string, PolicySourceFormat, string]>([
    ["YAML with tests", "yaml", YAML_SET],
    ["JSON", "json", JSON_SET],
    ["JSON read as YAML", "yaml", JSON_SET],
  ])("%s: the set and its tests, defaults filled in", (_name, format, source) => {
    const parsed = parsePolicySource(source, format);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.set.map((p) => [p.name, p.effect, p.mode, p.agents])).toEqual([
      ["allow-pr", "allow", "enforce", ["*"]],
      ["no-deletes", "deny", "enforce", ["*"]],
    ]);
    expect(parsed.tests.map((t) => t.name)).toEqual(format === "yaml" && source === YAML_SET ? ["deletes are refused"] : []);
  });

  it.each<[string, PolicySourceFormat, string, Array<{ path: string; line: number }>]>([
    ["a bad value: its key's line", "yaml", YAML_SET.replace("effect: deny\n", "effect: forbid\n"), [{ path: "policies[1].effect", line: 7 }]],
    ["a missing field: its object's line", "yaml", YAML_SET.replace("    effect: allow\n", ""), [{ path: "policies[0].effect", line: 2 }]],
    ["an unknown key", "yaml", YAML_SET.replace("    effect: allow\n", "    effect: allow\n    color: red\n"), [{ path: "policies[0]", line: 2 }]],
    ["a duplicate name", "yaml", YAML_SET.replace("name: no-deletes\n", "name: allow-pr\n"), [{ path: "policies[1].name", line: 5 }]],
    [
      "a bad test, with a bad policy, both at once",
      "yaml",
      YAML_SET.replace("effect: deny\n", "effect: nope\n").replace("actionType: repo.delete", "actionType: Repo Delete"),
      [
        { path: "policies[1].effect", line: 7 },
        { path: "tests[0].request.actionType", line: 10 },
      ],
    ],
    ["JSON: a bad value", "json", JSON_SET.replace('"effect": "deny"', '"effect": "forbid"'), [{ path: "policies[1].effect", line: 7 }]],
    ["JSON: a bad pattern in a flow list", "json", JSON_SET.replace('["pr.*"]', '["PR MERGE"]'), [{ path: "policies[0].actions[0]", line: 3 }]],
    ["not an object", "yaml", "- just\n- a list\n", [{ path: "", line: 1 }]],
    ["no policies", "yaml", "tests: []\n", [{ path: "policies", line: 1 }]],
  ])("%s", (_name, format, source, expected) => {
    const parsed = parsePolicySource(source, format);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    // An unknown key is reported on its object (zod names the object and the key in its message).
    expect(parsed.issues.map(({ path, line }) => ({ path, line }))).toEqual(expected);
  });

  it.each<[string, PolicySourceFormat, string, number]>([
    ["YAML: a bad indent", "yaml", "policies:\n  - name: a\n    actions: [x]\n   effect: allow\n", 4],
    ["YAML: a duplicate key", "yaml", "policies:\n  - name: a\n    name: b\n", 3],
    ["YAML: an unclosed flow list", "yaml", "policies:\n  - name: a\n    actions: [x\n", 4],
    ["JSON: a trailing comma", "json", '{\n  "policies": [\n    1,\n  ]\n}', 4],
    ["JSON: cut short", "json", '{\n  "policies": [\n', 3],
  ])("a syntax error carries its line: %s", (_name, format, source, line) => {
    const parsed = parsePolicySource(source, format);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issues[0]).toMatchObject({ path: "", line });
    expect(parsed.issues[0]?.message).toMatch(format === "yaml" ? /^not valid YAML/ : /^not valid JSON/);
  });

  it("refuses a source over 1 MB without parsing it", () => {
    const parsed = parsePolicySource(`# ${"x".repeat(1024 * 1024)}\npolicies: []\n`, "yaml");
    expect(parsed).toEqual({ ok: false, issues: [expect.objectContaining({ path: "source" })] });
  });

  it("refuses an alias bomb instead of expanding it", () => {
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x, x]",
      ...Array.from(
        { length: 8 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`,
      ),
      "policies: *i",
    ].join("\n");
    const parsed = parsePolicySource(bomb, "yaml");
    expect(parsed.ok).toBe(false);
  });

  it("gives the line of a path found later (a failing test)", () => {
    const parsed = parsePolicySource(YAML_SET, "yaml");
    expect(parsed.ok && parsed.lineOf("tests[0]")).toBe(9);
  });
});

describe("formatPolicySource", () => {
  it.each<PolicySourceFormat>(["yaml", "json"])("%s parses back to the same set and tests", (format) => {
    const parsed = parsePolicySource(YAML_SET, "yaml");
    if (!parsed.ok) throw new Error("fixture must parse");
    const again = parsePolicySource(formatPolicySource({ policies: parsed.set, tests: parsed.tests }, format), format);
    expect(again.ok && { set: again.set, tests: again.tests }).toEqual({ set: parsed.set, tests: parsed.tests });
  });
});

describe("issuePathSegments", () => {
  it.each<[string, Array<string | number>]>([
    ["", []],
    ["policies", ["policies"]],
    ["policies[2].when.all[0].op", ["policies", 2, "when", "all", 0, "op"]],
    ["tests[10]", ["tests", 10]],
  ])("%s", (path, segments) => expect(issuePathSegments(path)).toEqual(segments));
});

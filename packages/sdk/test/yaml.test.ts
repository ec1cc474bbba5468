import { describe, expect, it } from "vitest";
import { parseYaml, parseYamlDocument, stringifyYaml, YamlError } from "../src/yaml.ts";

describe("parseYaml(): scalars", () => {
  it.each<[string, unknown]>([
    ["a: 1", 1],
    ["a: -3", -3],
    ["a: +7", 7],
    ["a: 1.5", 1.5],
    ["a: .5", 0.5],
    ["a: 1e3", 1000],
    ["a: 0x1F", 31],
    ["a: 0o17", 15],
    ["a: 012", 12],
    ["a: true", true],
    ["a: False", false],
    ["a: TRUE", true],
    ["a: null", null],
    ["a: ~", null],
    ["a:", null],
    ["a: yes", "yes"],
    ["a: off", "off"],
    ["a: 1_000", "1_000"],
    ["a: 2024-01-01", "2024-01-01"],
    ['a: "1"', "1"],
    ["a: 'true'", "true"],
    ["a: 'it''s'", "it's"],
    ['a: "say \\"hi\\""', 'say "hi"'],
    ['a: "tab\\tnew\\nline \\u00e9 \\x41 \\U0001F600 \\\\"', "tab\tnew\nline é A 😀 \\"],
    ['a: ""', ""],
    ["a: plain text with  spaces", "plain text with  spaces"],
    ["a: https://gh.example.com/x?y=1", "https://gh.example.com/x?y=1"],
    ["a: b # a comment", "b"],
    ["a: b#not-a-comment", "b#not-a-comment"],
    ["a: '# not a comment'", "# not a comment"],
    ["a: pr.*", "pr.*"],
    ["a: -dash", "-dash"],
    ["a: ^release/[0-9]+$", "^release/[0-9]+$"],
    ["a: é ünïcode", "é ünïcode"],
  ])("%s", (text, expected) => {
    expect(parseYaml(text)).toEqual({ a: expected });
  });
});

describe("parseYaml(): structure", () => {
  it.each<[string, string, unknown]>([
    ["an empty document", "", null],
    ["a document of comments", "# nothing here\n\n   # still nothing\n", null],
    ["a lone scalar", "hello", "hello"],
    ["a leading ---", "---\na: 1\n", { a: 1 }],
    ["a byte order mark and CRLF line ends", "\uFEFFa: 1\r\nb: 2\r\n", { a: 1, b: 2 }],
    ["a nested mapping", "a:\n  b:\n    c: 1\n  d: 2\ne: 3", { a: { b: { c: 1 }, d: 2 }, e: 3 }],
    ["a block sequence", "- a\n- 2\n-\n- null", ["a", 2, null, null]],
    ["a sequence indented under its key", "k:\n  - a\n  - b\nn: 1", { k: ["a", "b"], n: 1 }],
    ["a sequence at its key's indentation", "k:\n- a\n- b\nn: 1", { k: ["a", "b"], n: 1 }],
    ["items that are mappings", "- name: a\n  effect: allow\n- name: b\n", [{ name: "a", effect: "allow" }, { name: "b" }]],
    ["an item whose mapping starts on the next line", "-\n  name: a\n  effect: deny", [{ name: "a", effect: "deny" }]],
    ["items indented further than two", "-   name: a\n    effect: deny", [{ name: "a", effect: "deny" }]],
    ["sequences in sequences", "- - a\n  - b\n- - c", [["a", "b"], ["c"]]],
    ["a key's value on the next line", "a:\n  just text", { a: "just text" }],
    ["quoted keys", "\"a: b\": 1\n'c # d': 2", { "a: b": 1, "c # d": 2 }],
    ["comments between entries", "a: 1\n# about b\nb: 2 # trailing\n\n\nc: 3", { a: 1, b: 2, c: 3 }],
    ["a flow sequence", "a: [x, \"y\", 'z', 1, true, null, pr.*]", { a: ["x", "y", "z", 1, true, null, "pr.*"] }],
    ["a flow mapping", "a: {k: v, n: 1, 'q': \"r\"}", { a: { k: "v", n: 1, q: "r" } }],
    ["nested flow collections", "a: {b: [1, {c: d}], e: {}}", { a: { b: [1, { c: "d" }], e: {} } }],
    ["empty flow collections", "a: []\nb: {}", { a: [], b: {} }],
    ["a trailing comma in a flow sequence", "a: [x, y,]", { a: ["x", "y"] }],
    ["a flow mapping entry without a value", "a: {b: , c: 1}", { a: { b: null, c: 1 } }],
    ["URLs in flow", "a: [http://x.test/a, {u: http://y.test}]", { a: ["http://x.test/a", { u: "http://y.test" }] }],
    ["a flow sequence over several lines, with comments", "a: [\n  x,   # first\n  y\n]\nb: 1", { a: ["x", "y"], b: 1 }],
    ["a flow mapping as an item", "- {field: metadata.size, op: gt, value: 50}", [{ field: "metadata.size", op: "gt", value: 50 }]],
    ["JSON", '{\n  "policies": [\n    {"name": "a", "n": 1.5, "ok": true, "x": null}\n  ]\n}', { policies: [{ name: "a", n: 1.5, ok: true, x: null }] }],
  ])("reads %s", (_case, text, expected) => {
    expect(parseYaml(text)).toEqual(expected);
  });

  it("makes __proto__ an ordinary key", () => {
    const value = parseYaml("__proto__:\n  polluted: true") as Record<string, unknown>;
    expect([Object.getPrototypeOf(value), Object.keys(value)]).toEqual([Object.prototype, ["__proto__"]]);
  });

  it("reads a realistic policy file", () => {
    const text = [
      "# Reviewed merges for big PRs; nothing else is allowed on main.",
      "policies:",
      "  - name: large-prs-need-review",
      '    description: "PRs touching more than 50 files: a reviewer decides"',
      "    actions: [pr.merge]",
      '    agents: ["*"]',
      "    when:",
      "      all:",
      "        - { field: metadata.pr_size, op: gt, value: 50 }",
      "        - any:",
      "            - field: metadata.branch",
      "              op: matches",
      "              value: '^release/[0-9]+\\.x$'",
      "            - not: { field: agent.labels.team, op: eq, value: release }",
      "        - rate: { over: 5, windowSeconds: 3600, per: agent }",
      "    effect: require_approval",
      "    approval:",
      "      quorum: 2",
      "      timeoutSeconds: 3600",
      "      approverRoles:",
      "        - approver",
      "        - admin",
      "    mode: monitor",
    ].join("\n");
    expect(parseYaml(text)).toEqual({
      policies: [
        {
          name: "large-prs-need-review",
          description: "PRs touching more than 50 files: a reviewer decides",
          actions: ["pr.merge"],
          agents: ["*"],
          when: {
            all: [
              { field: "metadata.pr_size", op: "gt", value: 50 },
              {
                any: [
                  { field: "metadata.branch", op: "matches", value: "^release/[0-9]+\\.x$" },
                  { not: { field: "agent.labels.team", op: "eq", value: "release" } },
                ],
              },
              { rate: { over: 5, windowSeconds: 3600, per: "agent" } },
            ],
          },
          effect: "require_approval",
          approval: { quorum: 2, timeoutSeconds: 3600, approverRoles: ["approver", "admin"] },
          mode: "monitor",
        },
      ],
    });
  });
});

describe("parseYamlDocument(): lines", () => {
  const text = ["---", "policies:", "  - name: a", "    actions:", "      - x", "      - y", "    when: { field: metadata.n, op: gt, value: 1 }", "  - name: b"].join("\n");

  it.each<[string, number]>([
    ["", 2],
    ["policies", 2],
    ["policies[0]", 3],
    ["policies[0].name", 3],
    ["policies[0].actions", 4],
    ["policies[0].actions[1]", 6],
    ["policies[0].when.op", 7],
    ["policies[1]", 8],
  ])("puts %s on line %i", (path, line) => {
    expect(parseYamlDocument(text).lines.get(path)).toBe(line);
  });
});

describe("parseYaml(): rejections", () => {
  it.each<[string, string, number, RegExp]>([
    ["an anchor", "a: 1\nb: &base 2", 2, /anchors/],
    ["an alias", "a: 1\nb: *base", 2, /aliases .*quote/],
    ["an unquoted * pattern", "agents: [*]", 1, /aliases/],
    ["a tag", "a: !!str 1", 1, /tags/],
    ["a literal block scalar", "a: 1\nb: |\n  text", 2, /block scalars/],
    ["a folded block scalar", "b: >-\n  text", 1, /block scalars/],
    ["a second document", "a: 1\n---\nb: 2", 2, /one document/],
    ["content after ---", "--- a: 1", 1, /one document/],
    ["a document end marker", "a: 1\n...", 2, /document end/],
    ["a directive", "%YAML 1.2\n---\na: 1", 1, /directives/],
    ["a complex key", "? a\n: b", 1, /complex keys/],
    ["a duplicate key", "a: 1\nb: 2\na: 3", 3, /duplicate key "a"/],
    ["a duplicate key in flow", "x: {a: 1, a: 2}", 1, /duplicate key "a"/],
    ["a tab as indentation", "a:\n\tb: 1", 2, /tabs/],
    ["an unclosed quote", "a: 1\nb: \"open", 2, /close on the same line/],
    ["a quoted string over two lines", "a: 'one\n  two'", 1, /close on the same line/],
    ["an unclosed flow sequence", "a: [1,\n  2", 1, /never closed/],
    ["a flow sequence running into the next key", "a: [1, 2\nb: 3", 2, /expected ','/],
    ["a mapping on a value's line", "a: b: c", 1, /same line/],
    ["a list on its key's line", "a: - b", 1, /same line/],
    ["a plain value continued on the next line", "a: long\n  continued", 2, /unexpected indentation/],
    ["a key indented too far", "a: 1\n  b: 2", 2, /unexpected indentation/],
    ["a dedent to no parent", "a:\n  b: 1\n c: 2", 3, /unexpected indentation/],
    ["a list item among keys", "a: 1\n- b", 2, /list item/],
    ["a key after a top-level list", "- a\nb: 1", 2, /unexpected content/],
    ["text after a quoted value", 'a: "x" y', 1, /unexpected text/],
    ["a pair inside [ ]", "a: [b: c]", 1, /needs braces/],
    ["an unknown escape", 'a: "\\q"', 1, /unknown escape/],
    ["a short \\u escape", 'a: "\\u12"', 1, /4 hex digits/],
    ["infinity", "a: .inf", 1, /no JSON form/],
    ["a reserved @", "a: @x", 1, /quote it/],
    ["a value that starts with ]", "a: 1\nb: ]x", 2, /cannot start with \]/],
    ["a missing comma in flow", 'a: ["x" y]', 1, /expected ','/],
    ["an empty key", ": v", 1, /key cannot be empty/],
    ["a flow key", "[a]: 1", 1, /unexpected text/],
  ])("rejects %s", (_case, text, line, reason) => {
    let thrown: unknown;
    try {
      parseYaml(text);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(YamlError);
    expect(thrown).toMatchObject({ line, reason: expect.stringMatching(reason), message: expect.stringMatching(new RegExp(`^line ${line}: `)) });
  });
});

/** Realistic policy sets, as the server stores them (defaults filled in). */
const POLICY_SETS: Array<[string, unknown]> = [
  [
    "the starter set",
    {
      policies: [
        { name: "allow-reads", description: "Read-only actions are allowed", actions: ["*.read", "*.list", "*.get"], agents: ["*"], effect: "allow", mode: "enforce" },
        {
          name: "merges-need-review",
          description: "A person approves every merge",
          actions: ["pr.merge"],
          agents: ["*"],
          effect: "require_approval",
          approval: { quorum: 1, timeoutSeconds: 3600, approverRoles: ["approver", "admin", "owner"], approvers: [], excludeAgentOwner: false },
          mode: "enforce",
        },
        { name: "no-deletes", description: "Destructive actions are never allowed", actions: ["*.delete", "db.drop"], agents: ["*"], effect: "deny", mode: "enforce" },
      ],
    },
  ],
  [
    "nested when conditions",
    {
      policies: [
        {
          name: "prod-deploys",
          description: "Deploys to prod: weekdays only, small changes, at most 5 an hour; the rest: deny",
          actions: ["deploy.*"],
          agents: ["ci-*", "release-bot"],
          when: {
            all: [
              { field: "metadata.env", op: "eq", value: "prod" },
              {
                any: [
                  { field: "metadata.day", op: "in", value: ["sat", "sun"] },
                  { field: "metadata.files_changed", op: "gt", value: 500 },
                  { not: { field: "agent.labels.tier", op: "in", value: ["trusted", "core"] } },
                  { all: [{ field: "dataAccessed.sensitivity", op: "contains", value: "restricted" }, { field: "metadata.ticket", op: "exists", value: false }] },
                ],
              },
              { rate: { over: 5, windowSeconds: 3600, per: "agent" } },
            ],
          },
          effect: "deny",
          mode: "monitor",
        },
        {
          name: "branch-naming",
          actions: ["pr.open"],
          agents: ["*"],
          when: { not: { field: "metadata.branch", op: "matches", value: "^(feat|fix)/[a-z0-9-]+$ # not a comment" } },
          effect: "deny",
          mode: "enforce",
        },
        {
          name: "odd-values",
          actions: ["x.y"],
          agents: ["*"],
          when: {
            any: [
              { field: "metadata.flag", op: "eq", value: "yes" },
              { field: "metadata.version", op: "eq", value: "1.10" },
              { field: "metadata.note", op: "eq", value: "a: b, [c] {d} #e 'f' \"g\" \\h\ttab\nnewline é" },
              { field: "metadata.count", op: "lte", value: -0.25 },
              { field: "metadata.blank", op: "eq", value: "" },
              { field: "metadata.nothing", op: "eq", value: null },
              { field: "metadata.obj", op: "eq", value: { nested: { deeper: [1, [2, 3], { k: "v" }] } } },
            ],
          },
          effect: "allow",
          mode: "enforce",
        },
      ],
    },
  ],
];

describe("stringifyYaml()", () => {
  it.each(POLICY_SETS)("writes %s so that parseYaml reads it back unchanged", (_case, value) => {
    expect(parseYaml(stringifyYaml(value))).toEqual(value);
  });

  it("writes block style, with short lists and small conditions in flow style", () => {
    const value = {
      policies: [
        {
          name: "large-prs-need-review",
          actions: ["pr.merge"],
          agents: ["*"],
          when: { all: [{ field: "metadata.pr_size", op: "gt", value: 50 }, { rate: { over: 5, windowSeconds: 3600, per: "agent" } }] },
          effect: "require_approval",
          approval: { quorum: 1, timeoutSeconds: 3600, approverRoles: ["approver", "admin", "owner"], approvers: [], excludeAgentOwner: false },
          mode: "enforce",
        },
      ],
    };
    expect(stringifyYaml(value)).toBe(
      [
        "policies:",
        "  - name: large-prs-need-review",
        "    actions: [pr.merge]",
        '    agents: ["*"]',
        "    when:",
        "      all:",
        "        - { field: metadata.pr_size, op: gt, value: 50 }",
        "        - { rate: { over: 5, windowSeconds: 3600, per: agent } }",
        "    effect: require_approval",
        "    approval:",
        "      quorum: 1",
        "      timeoutSeconds: 3600",
        "      approverRoles: [approver, admin, owner]",
        "      approvers: []",
        "      excludeAgentOwner: false",
        "    mode: enforce",
        "",
      ].join("\n"),
    );
  });

  it("writes a list that would pass 80 columns in block style", () => {
    const actions = Array.from({ length: 8 }, (_, i) => `service-${i}.deploy`);
    expect(stringifyYaml({ actions })).toBe(`actions:\n${actions.map((a) => `  - ${a}\n`).join("")}`);
  });

  it.each<[string, string]>([
    ["pr.merge", "pr.merge"],
    ["acme/api", "acme/api"],
    ["http://x.test", "http://x.test"],
    ["*.read", '"*.read"'],
    ["*", '"*"'],
    ["", '""'],
    ["true", '"true"'],
    ["null", '"null"'],
    ["~", '"~"'],
    ["yes", '"yes"'],
    ["Off", '"Off"'],
    ["42", '"42"'],
    ["1.10", '"1.10"'],
    ["2024-01-01", '"2024-01-01"'],
    [".inf", '".inf"'],
    ["0x1F", '"0x1F"'],
    ["- item", '"- item"'],
    ["a: b", '"a: b"'],
    ["a #b", '"a #b"'],
    ["ends:", '"ends:"'],
    [" padded", '" padded"'],
    ["line\nbreak", '"line\\nbreak"'],
    ["[x]", '"[x]"'],
    ["a,b", '"a,b"'],
    ["...", '"..."'],
    ["'quoted'", "\"'quoted'\""],
  ])("writes the string %j as %s", (text, written) => {
    expect(stringifyYaml({ k: text })).toBe(`k: ${written}\n`);
  });

  it.each([
    "",
    " ",
    "a b",
    "a  b",
    "a:b",
    "#",
    "&anchor",
    "!tag",
    "|",
    ">",
    "%",
    "@",
    "`",
    "?",
    "? x",
    "-",
    "---",
    "{a: 1}",
    "\"",
    "'",
    "\\",
    "\u2028",
    "\x85",
    "\ud83d\ude00",
    "tab\there",
    "trailing ",
  ])("round-trips the string %j as a key, a value and a list item", (text) => {
    const value = { [text]: text, list: [text, { [text]: [text] }] };
    expect(parseYaml(stringifyYaml(value))).toEqual(value);
  });

  it.each<[string, unknown, string]>([
    ["null", null, "null\n"],
    ["a number", 1.5, "1.5\n"],
    ["an empty list", [], "[]\n"],
    ["an empty mapping", {}, "{}\n"],
    ["a list of lists", [[1, { a: [{ b: 2 }] }]], "-\n  - 1\n  - a:\n      - { b: 2 }\n"],
  ])("writes %s", (_case, value, written) => {
    expect([stringifyYaml(value), parseYaml(written)]).toEqual([written, value]);
  });

  it("leaves out object entries whose value is undefined, as JSON does", () => {
    expect(stringifyYaml({ a: 1, b: undefined })).toBe("a: 1\n");
  });

  it.each<[string, unknown]>([
    ["NaN", { a: Number.NaN }],
    ["Infinity", [Number.POSITIVE_INFINITY]],
    ["a bigint", { a: 1n }],
    ["a function", { a: () => 1 }],
  ])("refuses %s", (_case, value) => {
    expect(() => stringifyYaml(value)).toThrow(TypeError);
  });
});

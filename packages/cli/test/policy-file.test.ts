import { describe, expect, it } from "vitest";
import type { StoredPolicy } from "@gatehouse/sdk";
import { parse as parseYaml } from "yaml";
import { formatPolicyFile, PolicyFileError, readPolicyFile } from "../src/policy-file.ts";

const YAML_SET = ["policies:", "  - name: a", "    actions: [x.read]", "    effect: allow", "  - name: b", "    actions: [x.delete]", "    effect: deny"].join("\n");
const JSON_LIST = '[\n  { "name": "a", "actions": ["x.read"], "effect": "allow" },\n  { "name": "b",\n    "actions": ["x.delete"],\n    "effect": "deny" }\n]';
const A = { name: "a", actions: ["x.read"], effect: "allow" };
const B = { name: "b", actions: ["x.delete"], effect: "deny" };

function fileError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

describe("readPolicyFile()", () => {
  it.each<[string, string]>([
    ["policies.yaml", YAML_SET],
    ["policies.yml", YAML_SET],
    ["policies.json", JSON.stringify({ policies: [A, B] })],
    ["policies.json", JSON_LIST],
    ["policies.txt", JSON_LIST],
    ["policies", YAML_SET],
  ])("reads %s", (name, text) => {
    expect(readPolicyFile(name, text).policies).toEqual([A, B]);
  });

  it("reads a .json file as JSON only", () => {
    expect(fileError(() => readPolicyFile("p.json", YAML_SET))).toMatchObject({ name: "PolicyFileError", message: expect.stringMatching(/^not valid JSON/) });
  });

  it("reports a YAML error with its line and column", () => {
    expect(fileError(() => readPolicyFile("p.yaml", "policies:\n  - name: a\n    actions: [x.read\n  - name: b\n"))).toMatchObject({
      name: "PolicyFileError",
      line: 4,
      column: 3,
      message: expect.stringMatching(/^not valid YAML: /),
    });
  });

  it("rejects a key given twice, naming its line", () => {
    expect(fileError(() => readPolicyFile("p.yaml", "policies:\n  - name: a\n    name: b\n"))).toMatchObject({ line: 3, message: expect.stringContaining("unique") });
  });

  it("rejects a file of several YAML documents", () => {
    expect(fileError(() => readPolicyFile("p.yaml", "policies: []\n---\npolicies: []\n"))).toBeInstanceOf(PolicyFileError);
  });

  it("makes __proto__ an ordinary key", () => {
    const [policy] = readPolicyFile("p.yaml", "- __proto__:\n    polluted: true\n").policies as Array<Record<string, unknown>>;
    expect([Object.getPrototypeOf(policy), Object.keys(policy ?? {})]).toEqual([Object.prototype, ["__proto__"]]);
  });

  it("reads a realistic policy file: comments, flow and block collections, quoting, block scalars", () => {
    const text = [
      "# Reviewed merges for big PRs; nothing else is allowed on main.",
      "---",
      "policies:",
      "  - name: large-prs-need-review",
      "    description: |",
      "      PRs touching more than 50 files: a reviewer decides.",
      "      Release branches are exempt.",
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
      "  - name: no-deletes",
      "    description: >-",
      "      Deleting anything",
      "      needs a person.",
      '    actions: ["*.delete"]',
      "    effect: deny",
    ].join("\n");
    expect(readPolicyFile("policies.yaml", text).policies).toEqual([
      {
        name: "large-prs-need-review",
        description: "PRs touching more than 50 files: a reviewer decides.\nRelease branches are exempt.\n",
        actions: ["pr.merge"],
        agents: ["*"],
        when: {
          all: [
            { field: "metadata.pr_size", op: "gt", value: 50 },
            {
              any: [{ field: "metadata.branch", op: "matches", value: "^release/[0-9]+\\.x$" }, { not: { field: "agent.labels.team", op: "eq", value: "release" } }],
            },
            { rate: { over: 5, windowSeconds: 3600, per: "agent" } },
          ],
        },
        effect: "require_approval",
        approval: { quorum: 2, timeoutSeconds: 3600, approverRoles: ["approver", "admin"] },
        mode: "monitor",
      },
      { name: "no-deletes", description: "Deleting anything needs a person.", actions: ["*.delete"], effect: "deny" },
    ]);
  });

  it.each<[string, string]>([
    ["a mapping without policies", "name: a"],
    ["policies that are not a list", "policies: {}"],
    ["a scalar", "just text"],
  ])("rejects %s", (_case, text) => {
    expect(fileError(() => readPolicyFile("p.yaml", text))).toBeInstanceOf(PolicyFileError);
  });

  it("rejects a top-level key besides policies, naming its line", () => {
    expect(fileError(() => readPolicyFile("p.yaml", "policies: []\nversion: 2"))).toMatchObject({ line: 2, message: expect.stringContaining('"version"') });
  });

  it.each<[string, string, string, number | undefined]>([
    ["an entry of a { policies } file", "p.yaml", "policies[1].effect", 7],
    ["a missing field, by its policy", "p.yaml", "policies[1].approval.quorum", 5],
    ["the set itself", "p.yaml", "policies", 1],
    ["an entry of a bare list", "p.json", "policies[1].effect", 5],
    ["an item of a bare list", "p.json", "policies[0]", 2],
  ])("finds the line of %s", (_case, name, path, line) => {
    const text = name.endsWith(".json") ? JSON_LIST : YAML_SET;
    expect(readPolicyFile(name, text).lineOf(path)).toBe(line);
  });

  it.each<[string, number]>([
    ["policies", 2],
    ["policies[0]", 3],
    ["policies[0].name", 3],
    ["policies[0].actions", 4],
    ["policies[0].actions[1]", 6],
    ["policies[0].when.op", 7],
    ["policies[1]", 8],
  ])("puts %s on line %i, after a leading ---", (path, line) => {
    const text = ["---", "policies:", "  - name: a", "    actions:", "      - x", "      - y", "    when: { field: metadata.n, op: gt, value: 1 }", "  - name: b"].join("\n");
    expect(readPolicyFile("p.yaml", text).lineOf(path)).toBe(line);
  });
});

describe("formatPolicyFile()", () => {
  // As the server returns them: JSONB reorders keys, and version fields are added.
  const stored: StoredPolicy[] = [
    {
      mode: "enforce",
      when: { any: [{ value: 50, op: "gt", field: "metadata.pr_size" }, { rate: { per: "agent", windowSeconds: 60, over: 5 } }] },
      agents: ["*"],
      effect: "require_approval",
      actions: ["pr.merge"],
      approval: { approvers: [], quorum: 1, approverRoles: ["admin"], timeoutSeconds: 3600, excludeAgentOwner: false },
      name: "large-prs-need-review",
      description: "Big PRs wait for a reviewer",
      version: 3,
      contentHash: "ab".repeat(32),
      versionId: "pov_3",
    },
  ];
  const document = {
    name: "large-prs-need-review",
    description: "Big PRs wait for a reviewer",
    actions: ["pr.merge"],
    agents: ["*"],
    when: { any: [{ field: "metadata.pr_size", op: "gt", value: 50 }, { rate: { over: 5, windowSeconds: 60, per: "agent" } }] },
    effect: "require_approval",
    approval: { quorum: 1, timeoutSeconds: 3600, approverRoles: ["admin"], approvers: [], excludeAgentOwner: false },
    mode: "enforce",
  };

  it("writes JSON without version fields, keys in the order people write them", () => {
    expect(formatPolicyFile(stored, "json")).toBe(`${JSON.stringify({ policies: [document] }, null, 2)}\n`);
  });

  it("writes YAML that reads back as the same set", () => {
    expect(parseYaml(formatPolicyFile(stored, "yaml"))).toEqual({ policies: [document] });
  });

  it("writes block style, with short lists and small conditions in flow style", () => {
    expect(formatPolicyFile(stored, "yaml")).toBe(
      [
        "policies:",
        "  - name: large-prs-need-review",
        "    description: Big PRs wait for a reviewer",
        "    actions: [ pr.merge ]",
        '    agents: [ "*" ]',
        "    when:",
        "      any:",
        "        - { field: metadata.pr_size, op: gt, value: 50 }",
        "        - { rate: { over: 5, windowSeconds: 60, per: agent } }",
        "    effect: require_approval",
        "    approval:",
        "      quorum: 1",
        "      timeoutSeconds: 3600",
        "      approverRoles: [ admin ]",
        "      approvers: []",
        "      excludeAgentOwner: false",
        "    mode: enforce",
        "",
      ].join("\n"),
    );
  });

  it.each(["yes", "Off", "2024-01-01", "1.10", "null", "*", "a: b", "line\nbreak", "'quoted'", " padded", "é ünïcode"])(
    "writes the string %j so that YAML 1.1 and 1.2 readers read it back as that string",
    (text) => {
      const policy = { ...(stored[0] as StoredPolicy), description: text };
      const yaml = formatPolicyFile([policy], "yaml");
      expect(readPolicyFile("p.yaml", yaml).policies).toEqual([{ ...document, description: text }]);
      expect(parseYaml(yaml, { version: "1.1" })).toEqual({ policies: [{ ...document, description: text }] });
    },
  );

  it("orders condition keys inside when", () => {
    const yaml = formatPolicyFile(stored, "yaml");
    expect(yaml).toContain("- { field: metadata.pr_size, op: gt, value: 50 }");
  });

  it("writes an empty set that can be applied", () => {
    expect([formatPolicyFile([], "yaml"), formatPolicyFile([], "json")]).toEqual(["policies: []\n", '{\n  "policies": []\n}\n']);
  });
});

import { describe, expect, it } from "vitest";
import { formatPolicyFile, PolicyFileError, readPolicyFile } from "../src/policy-file.ts";
import type { StoredPolicy } from "../src/types.ts";
import { parseYaml } from "../src/yaml.ts";

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

  it("reports a YAML error with its line", () => {
    expect(fileError(() => readPolicyFile("p.yaml", "policies:\n  - name: &a x"))).toMatchObject({ line: 2, message: "anchors (&) are not supported" });
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

  it("orders condition keys inside when", () => {
    const yaml = formatPolicyFile(stored, "yaml");
    expect(yaml).toContain("- { field: metadata.pr_size, op: gt, value: 50 }");
  });

  it("writes an empty set that can be applied", () => {
    expect([formatPolicyFile([], "yaml"), formatPolicyFile([], "json")]).toEqual(["policies: []\n", '{\n  "policies": []\n}\n']);
  });
});

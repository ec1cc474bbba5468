import { describe, expect, it } from "vitest";
import { documentYaml } from "../src/lib/policy-source";
import { policyFacts } from "../src/lib/policies";
import { appendToSource, convertSource, policyFields, policyNames, readSource, selectedIndex, setPolicyFields, SourceError } from "../src/lib/policy-source";

const yamlDraft = `# our policies
policies:
  - name: reads
    actions: ["*.read"]
    agents: ["*"]
    effect: allow
tests: []
`;

describe("draft source edits", () => {
  it("appends a template's policies and tests to YAML, keeping the author's comment", () => {
    const out = appendToSource(yamlDraft, "yaml", {
      policies: [{ name: "deny-deletes", actions: ["*.delete"], effect: "deny" }],
      tests: [{ name: "t", request: { actionType: "db.delete" }, expect: { effect: "deny" } }],
    });
    expect(out).toContain("# our policies");
    const value = readSource(out, "yaml") as { policies: Array<{ name: string }>; tests: Array<{ name: string }> };
    expect(value.policies.map((p) => p.name)).toEqual(["reads", "deny-deletes"]);
    expect(value.tests.map((t) => t.name)).toEqual(["t"]);
  });

  it("creates the lists when the draft has none, in JSON too", () => {
    const out = appendToSource("{}", "json", { tests: [{ name: "t" }] });
    expect(JSON.parse(out)).toEqual({ tests: [{ name: "t" }] });
  });

  it("refuses to edit a source that does not parse, rather than losing it", () => {
    expect(() => appendToSource("policies: [", "yaml", { tests: [{}] })).toThrow(SourceError);
    expect(() => setPolicyFields("{", "json", 0, { name: "a", effect: "deny", actions: ["x"], agents: ["*"], mode: "enforce" })).toThrow(SourceError);
  });

  it("reads and writes one policy's common fields, keeping its other fields", () => {
    const withWhen = yamlDraft.replace("effect: allow", 'effect: allow\n    when: { field: "metadata.x", op: "eq", value: 1 }');
    expect(policyFields(withWhen, "yaml", 0)).toEqual({ name: "reads", effect: "allow", actions: ["*.read"], agents: ["*"], mode: "enforce" });
    const out = setPolicyFields(withWhen, "yaml", 0, { name: "reads", effect: "deny", actions: ["*.read", "*.list"], agents: ["ci-*"], mode: "monitor" });
    const policy = (readSource(out, "yaml") as { policies: Array<Record<string, unknown>> }).policies[0];
    expect(policy).toEqual({ name: "reads", actions: ["*.read", "*.list"], agents: ["ci-*"], effect: "deny", mode: "monitor", when: { field: "metadata.x", op: "eq", value: 1 } });
  });

  it("adds a new policy when the form's index is past the end", () => {
    const out = setPolicyFields(yamlDraft, "yaml", 1, { name: "new-one", effect: "require_approval", actions: ["deploy.*"], agents: ["*"], mode: "enforce" });
    expect((readSource(out, "yaml") as { policies: Array<{ name: string }> }).policies.map((p) => p.name)).toEqual(["reads", "new-one"]);
  });

  it("switches between YAML and JSON without changing the content", () => {
    const json = convertSource(yamlDraft, "yaml", "json");
    expect(JSON.parse(json)).toEqual(readSource(yamlDraft, "yaml"));
    expect(readSource(convertSource(json, "json", "yaml"), "yaml")).toEqual(readSource(yamlDraft, "yaml"));
  });
});

describe("draft source layout", () => {
  it("keeps an inline list inline and grows an empty tests list as a block", () => {
    const out = setPolicyFields(yamlDraft, "yaml", 0, { name: "reads", effect: "allow", actions: ["*.read", "*.list"], agents: ["*"], mode: "enforce" });
    expect(out).toContain('actions: [ "*.read", "*.list" ]');
    const withTest = appendToSource(yamlDraft, "yaml", { tests: [{ name: "t" }] });
    expect(withTest).toContain("tests:\n  - name: t\n");
  });
});

describe("the editor's form follows its policy through edits of the source", () => {
  const three = `policies:
  - { name: a, actions: ["a.*"], effect: allow }
  - { name: b, actions: ["b.*"], effect: deny }
  - { name: c, actions: ["c.*"], effect: allow }
`;

  it("finds the selected policy again by name when one above it is removed or added", () => {
    const selection = { name: "c", index: 2 };
    expect(selectedIndex(policyNames(three, "yaml"), selection)).toBe(2);
    const removed = three.replace('  - { name: a, actions: ["a.*"], effect: allow }\n', "");
    expect(policyNames(removed, "yaml")).toEqual(["b", "c"]);
    const index = selectedIndex(policyNames(removed, "yaml"), selection);
    expect(index).toBe(1);
    expect(policyFields(removed, "yaml", index)?.name).toBe("c");
    const added = `${three.replace("policies:\n", 'policies:\n  - { name: z, actions: ["z.*"], effect: deny }\n')}`;
    expect(policyFields(added, "yaml", selectedIndex(policyNames(added, "yaml"), selection))?.actions).toEqual(["c.*"]);
  });

  it("stays at its place when renamed in the source, within the list, and on 'New policy' when that was picked", () => {
    const renamed = three.replace("name: c", "name: c2");
    expect(selectedIndex(policyNames(renamed, "yaml"), { name: "c", index: 2 })).toBe(2);
    expect(selectedIndex(["a"], { name: "gone", index: 5 })).toBe(1);
    expect(selectedIndex(["a", "b"], { name: null, index: 0 })).toBe(2);
    expect(policyNames("policies: [", "yaml")).toEqual([]);
  });
});

describe("policyFacts (a policy's page)", () => {
  it("says what the policy does: effect, actions, agents, approval rules, conditions", () => {
    const facts = policyFacts(
      {
        name: "review-merges",
        effect: "require_approval",
        mode: "enforce",
        actions: ["pr.merge"],
        agents: ["*"],
        approval: { quorum: 2, approverRoles: ["approver"], approvers: ["ana@example.com"], excludeAgentOwner: true, timeoutSeconds: 600 },
        when: { field: "metadata.repo", equals: "acme/web" },
      },
      documentYaml,
    );
    const byLabel = Object.fromEntries(facts.map((fact) => [fact.label, fact.value]));
    expect(byLabel).toMatchObject({
      Effect: "needs approval",
      Mode: "enforce",
      Actions: "pr.merge",
      Agents: "*",
      "Approvals needed": "2 approvals",
      "Who may approve": "approver",
      "Named approvers": "ana@example.com",
      "Agent's owner": "may not approve",
      "Expires after": "600 seconds",
    });
    expect(byLabel.Conditions).toContain("metadata.repo");
    const allow = Object.fromEntries(policyFacts({ name: "a", effect: "allow", actions: ["a.*"] }, documentYaml).map((fact) => [fact.label, fact.value]));
    expect(allow).toMatchObject({ Effect: "allow", Agents: "*", Conditions: "none: every matching call" });
    expect(allow["Approvals needed"]).toBeUndefined();
  });
});

import { describe, expect, it } from "vitest";
import { appendToSource, convertSource, policyFields, readSource, setPolicyFields, SourceError } from "../src/lib/policy-source";

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

import { parsePolicySet, parsePolicyTests, policyLibrary, runPolicyTests } from "@gatehouse/core";
import { describe, expect, it } from "vitest";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "../src/cli.ts";
import { parseYaml, readPolicyFile } from "../src/policy-file.ts";
import { apiError, json, runCli } from "./helpers.ts";

// The served library, as the API answers it (JSON: no undefined, no shared objects).
const library = JSON.parse(JSON.stringify(policyLibrary()));

describe("gatehouse policies library", () => {
  it("lists every template with its packs and counts, from GET /v1/admin/policies/library", async () => {
    const run = await runCli(["policies", "library"], [json(200, library)]);
    expect(run.code).toBe(EXIT_OK);
    expect([run.calls[0]?.init.method, run.calls[0]?.url]).toEqual(["GET", "https://gh.example.com/v1/admin/policies/library"]);
    const lines = run.stdout.split("\n");
    expect(lines[0]).toMatch(/^ID\s+TITLE\s+PACKS\s+POLICIES\s+TESTS$/);
    const payments = lines.find((line) => line.startsWith("payments "));
    expect(payments?.split(/\s{2,}/)).toEqual(["payments", "Payments with two approvers", "agentic-risks,eu-ai-act-art14", "3", "5"]);
    for (const template of library.templates) expect(run.stdout).toContain(`${template.id} `);
    expect(run.stdout).toContain("Packs: agentic-risks, soc2-change-management, eu-ai-act-art14, hipaa-phi");
  });

  it("--pack shows the pack's controls and only its templates", async () => {
    const run = await runCli(["policies", "library", "--pack", "soc2-change-management"], [json(200, library)]);
    expect(run.code).toBe(EXIT_OK);
    expect(run.stdout.startsWith("SOC 2 change management (CC8.1)")).toBe(true);
    expect(run.stdout).toContain("cc8.1-authorized-changes");
    const ids = run.stdout
      .split("\n")
      .slice(run.stdout.split("\n").findIndex((l) => l.startsWith("ID ")) + 1)
      .map((l) => l.split(" ")[0])
      .filter((id) => id && library.templates.some((t: { id: string }) => t.id === id));
    const expected = library.templates.filter((t: { packs: string[] }) => t.packs.includes("soc2-change-management")).map((t: { id: string }) => t.id);
    expect(ids).toEqual(expected);
    expect(ids).not.toContain("payments");
  });

  it("--pack with an unknown id is a usage error naming the packs; --json prints the answer", async () => {
    const unknown = await runCli(["policies", "library", "--pack", "hipaa"], [json(200, library)]);
    expect([unknown.code, unknown.stderr]).toEqual([
      EXIT_USAGE,
      expect.stringContaining('no pack "hipaa": the packs are agentic-risks, soc2-change-management, eu-ai-act-art14, hipaa-phi'),
    ]);
    const all = await runCli(["policies", "library", "--json"], [json(200, library)]);
    expect(JSON.parse(all.stdout)).toEqual(library);
  });

  it("show prints a template as a YAML file with its tests, which parses and passes with the same engine", async () => {
    for (const template of library.templates) {
      const run = await runCli(["policies", "library", "show", template.id], [json(200, library)]);
      expect(run.code).toBe(EXIT_OK);
      expect(run.stdout.startsWith(`# ${template.title} (library template ${template.id})\n`)).toBe(true);
      const { value } = parseYaml(run.stdout);
      const documents = parsePolicySet({ policies: (value as { policies: unknown }).policies });
      expect(documents).toEqual(template.policies);
      const result = runPolicyTests(documents, parsePolicyTests(value));
      expect({ id: template.id, failed: result.failed, passed: result.passed }).toEqual({ id: template.id, failed: 0, passed: template.tests.length });
    }
  });

  it("show leaves test fields at their defaults out, and --format json prints the same set", async () => {
    const yaml = await runCli(["policies", "library", "show", "payments"], [json(200, library)]);
    expect(yaml.stdout).not.toContain("agentLabels: {}");
    expect(yaml.stdout).not.toContain("agent: test-agent");
    const asJson = await runCli(["policies", "library", "show", "payments", "--format", "json"], [json(200, library)]);
    expect(asJson.code).toBe(EXIT_OK);
    expect(JSON.parse(asJson.stdout)).toEqual(parseYaml(yaml.stdout).value);
    // Its policies are what `policies apply` reads (the tests travel beside them).
    expect(() => readPolicyFile("payments.json", JSON.stringify({ policies: JSON.parse(asJson.stdout).policies }))).not.toThrow();
  });

  it("show refuses an unknown template (naming the known ones), a missing id and extra arguments", async () => {
    const unknown = await runCli(["policies", "library", "show", "nope"], [json(200, library)]);
    expect([unknown.code, unknown.stderr]).toEqual([EXIT_USAGE, expect.stringContaining('no template "nope" in the library: the templates are code-assistant, support-agent')]);
    const missing = await runCli(["policies", "library", "show"], []);
    expect([missing.code, missing.stderr]).toEqual([EXIT_USAGE, expect.stringContaining("needs a template id")]);
    const extra = await runCli(["policies", "library", "show", "payments", "more"], []);
    expect(extra.code).toBe(EXIT_USAGE);
    const flag = await runCli(["policies", "library", "show", "payments", "--pack", "x"], []);
    expect([flag.code, flag.stderr]).toEqual([EXIT_USAGE, expect.stringContaining("policies library show does not take --pack")]);
    const format = await runCli(["policies", "library", "show", "payments", "--format", "toml"], []);
    expect(format.code).toBe(EXIT_USAGE);
  });

  it("reports a refused call with exit 1, and prints its help", async () => {
    const failed = await runCli(["policies", "library"], [apiError(403, "FORBIDDEN")]);
    expect(failed.code).toBe(EXIT_FAILURE);
    const help = await runCli(["policies", "library", "--help"], []);
    expect([help.code, help.stdout.startsWith("Usage: gatehouse policies library [--pack <id>] [--json]")]).toEqual([EXIT_OK, true]);
  });
});

import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "../src/cli.ts";
import { json, runCliWithFiles } from "./helpers.ts";
import { SET_YAML, SIMULATION } from "./policy-fixtures.ts";

const cli = runCliWithFiles;

const PASSING_YAML = SET_YAML.replace("expect: { effect: allow }\n", "expect: { effect: require_approval, policy: review-merges }\n");

describe("gatehouse policies test <file>", () => {
  it("runs the file's tests offline, prints each failure's expected and actual decision at its line, and exits 1", async () => {
    const run = await cli(["policies", "test", "set.yaml"], [], { files: { "set.yaml": SET_YAML }, env: {} });
    expect(run.calls).toEqual([]);
    expect(run.code).toBe(EXIT_FAILURE);
    expect(run.stdout).toBe(
      [
        "  ok    reads are fine",
        "  FAIL  merges go straight through (set.yaml:12)",
        "        expected: allow (any policy)",
        "        actual:   require_approval by review-merges",
        "  ok    wipes are denied by nothing",
        "",
        "2 passed, 1 failed.",
        "",
      ].join("\n"),
    );
  });

  it("exits 0 when every test passes; --json prints the run", async () => {
    const run = await cli(["policies", "test", "set.yaml", "--json"], [], { files: { "set.yaml": PASSING_YAML }, env: {} });
    expect(run.code).toBe(EXIT_OK);
    expect(JSON.parse(run.stdout)).toMatchObject({ passed: 3, failed: 0, results: [{ name: "reads are fine", passed: true }, {}, {}] });
  });

  it("names a malformed test's field and line, exit 1", async () => {
    const run = await cli(["policies", "test", "set.yaml"], [], { files: { "set.yaml": SET_YAML.replace("effect: deny, policy: null", "effect: maybe") }, env: {} });
    expect(run.code).toBe(EXIT_FAILURE);
    expect(run.stderr).toMatch(/^error: set\.yaml is not a valid policy set, 1 problem:\n {2}tests\[2\]\.expect\.effect \(set\.yaml:17\): /);
  });

  it("takes no connection options and needs a file", async () => {
    expect((await cli(["policies", "test", "set.yaml", "--api-key", "gh_admin_x"], [], { files: { "set.yaml": SET_YAML } })).code).toBe(EXIT_USAGE);
    expect((await cli(["policies", "test"])).code).toBe(EXIT_USAGE);
  });
});

describe("gatehouse policies test <file> with a hostile file", () => {
  // The server's source limits, counted before the YAML reader sees the file (it crashed the process on deep nesting).
  const bombs: Array<[string, string, string, RegExp]> = [
    ["deep YAML flow sequences", "set.yaml", `policies: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`, /nests deeper than 64 levels/],
    ["deep JSON arrays", "set.json", `{"policies": ${"[".repeat(200_000)}${"]".repeat(200_000)}}`, /nests deeper than 64 levels/],
    ["deep JSON objects (.yaml)", "set.yaml", `{"policies": [${'{"a":'.repeat(60_000)}1${"}".repeat(60_000)}]}`, /nests deeper than 64 levels/],
    ["40,000 keys", "set.yaml", `policies:\n  - name: a\n${Array.from({ length: 40_000 }, (_, i) => `    k${i}: ${i}\n`).join("")}`, /more than 1000 keys/],
    ["an alias bomb", "set.yaml", `a: &a [x, x]\n${Array.from({ length: 101 }, (_, i) => `b${i}: *a\n`).join("")}policies: []\n`, /more than 100 aliases/],
    ["a 900 KB string", "set.yaml", `policies:\n  - name: a\n    description: ${"x".repeat(900_000)}\n`, /string longer than 65536 characters/],
  ];
  it.each(bombs)("refuses %s with the limit and its line, exit 1, within a second", async (_name, file, text, message) => {
    const started = performance.now();
    const run = await cli(["policies", "test", file], [], { files: { [file]: text }, env: {} });
    expect(run.code).toBe(EXIT_FAILURE);
    expect(run.stderr).toMatch(message);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe("gatehouse policies apply and export carry the tests", () => {
  it("apply sends the file's tests with its policies", async () => {
    const diff = { dryRun: false, created: [], updated: [], archived: [], unchanged: [] };
    const run = await cli(["policies", "apply", "set.yaml"], [json(200, diff)], { files: { "set.yaml": PASSING_YAML } });
    const body = run.calls[0]?.body as { tests: unknown[] };
    expect(body.tests).toHaveLength(3);
    expect(body.tests[0]).toEqual({ name: "reads are fine", request: { actionType: "repo.read" }, expect: { effect: "allow", policy: "allow-reads" } });
  });

  it("apply prints a failed test the server refuses at its line", async () => {
    const refused = json(400, {
      error: {
        code: "VALIDATION",
        message: "tests[1]: failed",
        details: { issues: [{ path: "tests[1]", message: "'merges go straight through' expected allow, got require_approval by review-merges" }] },
        requestId: "req_400",
      },
    });
    const run = await cli(["policies", "apply", "set.yaml"], [refused], { files: { "set.yaml": SET_YAML } });
    expect(run.code).toBe(EXIT_FAILURE);
    expect(run.stderr).toContain("  tests[1] (set.yaml:12): 'merges go straight through' expected allow");
  });

  it("export writes the stored tests after the policies", async () => {
    const stored = {
      policies: [{ name: "allow-reads", actions: ["*.read"], agents: ["*"], effect: "allow", mode: "enforce", version: 1, versionId: "pov_1", contentHash: "c".repeat(64) }],
      tests: [{ expect: { effect: "allow" }, name: "reads", request: { metadata: {}, actionType: "repo.read", agent: "test-agent", agentLabels: {}, dataAccessed: [] } }],
    };
    const run = await cli(["policies", "export", "--format", "yaml"], [json(200, stored)]);
    expect(parseYaml(run.stdout)).toEqual({
      policies: [{ name: "allow-reads", actions: ["*.read"], agents: ["*"], effect: "allow", mode: "enforce" }],
      tests: [{ name: "reads", request: { actionType: "repo.read", agent: "test-agent", agentLabels: {}, metadata: {}, dataAccessed: [] }, expect: { effect: "allow" } }],
    });
    expect(run.stdout.indexOf("name: reads")).toBeGreaterThan(run.stdout.indexOf("tests:"));
  });
});

describe("gatehouse policies simulate <file>", () => {
  it("POSTs the file's policies with --days and prints transitions, top action types and agents, and samples", async () => {
    const run = await cli(["policies", "simulate", "set.yaml", "--days", "7"], [json(200, SIMULATION)], { files: { "set.yaml": SET_YAML } });
    expect(run.code).toBe(EXIT_OK);
    expect(run.calls[0]?.url).toBe("https://gh.example.com/v1/admin/policies/simulate");
    expect(run.calls[0]?.body).toMatchObject({ days: 7, policies: [{ name: "allow-reads" }, { name: "review-merges" }] });
    expect(run.stdout).toContain("Replayed 120 decisions of the last 7 days (2026-11-15T12:00:00Z to 2026-11-22T12:00:00Z).");
    expect(run.stdout).toContain("12 would change; 3 decided before policy");
    expect(run.stdout).toMatch(/require_approval → allow\s+10/);
    expect(run.stdout).toMatch(/pr\.merge\s+require_approval → allow\s+10/);
    expect(run.stdout).toMatch(/ci-bot\s+require_approval → allow\s+10/);
    expect(run.stdout).toMatch(/review-merges → -\s+act_1/);
  });

  it("--json prints the answer; --days out of range is a usage error before any call", async () => {
    const run = await cli(["policies", "simulate", "set.yaml", "--json"], [json(200, SIMULATION)], { files: { "set.yaml": SET_YAML } });
    expect(JSON.parse(run.stdout)).toEqual(SIMULATION);
    expect(run.calls[0]?.body).not.toHaveProperty("days");
    const bad = await cli(["policies", "simulate", "set.yaml", "--days", "31"], [], { files: { "set.yaml": SET_YAML } });
    expect([bad.code, bad.calls.length, bad.stderr]).toEqual([EXIT_USAGE, 0, expect.stringContaining("--days must be a whole number from 1 to 30")]);
  });
});

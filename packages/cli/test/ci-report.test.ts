// `policies test` and `policies simulate` for CI (issue 45): their JUnit XML read by a JUnit parser package (junit2json,
// what test-report uploaders use), their SARIF checked against SARIF 2.1.0's published JSON schema (the copy Microsoft's
// SARIF Multitool ships) and by the Multitool's own `validate` with GitHub code scanning's ingestion rules, each failure
// at its line in the policy file, and exit codes a CI step can act on.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import fc from "fast-check";
import { parse, type TestSuites } from "junit2json";
import { afterAll, describe, expect, it } from "vitest";
import { junitOfTestRun, sarifOfTestRun } from "../src/ci-report.ts";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "../src/cli.ts";
import { readPolicyFile } from "../src/policy-file.ts";
import { json, runCliWithFiles as cli } from "./helpers.ts";
import { SIMULATION as BASE_SIMULATION, SET_YAML } from "./policy-fixtures.ts";

const require = createRequire(import.meta.url);
// The Multitool for Linux: its package's main export is the path of its self-contained binary.
const MULTITOOL = require("@microsoft/sarif-multitool-linux") as string;
const SARIF_SCHEMA = JSON.parse(readFileSync(join(dirname(MULTITOOL), "sarif-2.1.0.json"), "utf8")) as object;
const validateSchema = new Ajv2020({ allErrors: true, strict: false, validateFormats: false }).compile(SARIF_SCHEMA);

const DRAFT_YAML = [
  "policies:",
  "  - name: allow-reads",
  "    actions: ['*.read']",
  "    effect: allow",
  "  - name: merges-allowed",
  "    actions: [pr.merge]",
  "    effect: allow",
  "  - name: no-exports",
  "    actions: [data.export]",
  "    effect: deny",
  "",
].join("\n");

/** The replay of DRAFT_YAML: its samples name the draft's policies that would decide. */
const merge = BASE_SIMULATION.samples[0]!;
const SIMULATION = {
  ...BASE_SIMULATION,
  samples: [
    { ...merge, policyAfter: "merges-allowed" },
    { ...merge, actionId: "act_2", actionType: "data.export", agentName: "etl", from: "allow", to: "deny", policyBefore: "exports", policyAfter: "no-exports" },
  ],
};

type SarifLog = {
  runs: {
    tool: { driver: { rules: { id: string }[] } };
    results: {
      ruleId: string;
      level: string;
      message: { text: string };
      locations: { physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }[];
    }[];
  }[];
};

const folder = mkdtempSync(join(tmpdir(), "gatehouse-sarif-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
/** Every SARIF log a test printed, checked by the Multitool at the end (one run of it for all). */
const printed: string[] = [];

function sarifOf(stdout: string): SarifLog {
  const log = JSON.parse(stdout) as SarifLog;
  expect(validateSchema(log) ? [] : validateSchema.errors).toEqual([]);
  const file = join(folder, `${printed.length}.sarif`);
  writeFileSync(file, stdout);
  printed.push(file);
  return log;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The report as a JUnit consumer reads it: `<testsuites>` and what it holds. */
async function parseJunit(text: string, options?: Parameters<typeof parse>[1]): Promise<TestSuites> {
  const report = await parse(text, options);
  expect(report).toBeTruthy();
  return report as TestSuites;
}

const where = (result: SarifLog["runs"][number]["results"][number]) => ({
  ruleId: result.ruleId,
  level: result.level,
  uri: result.locations[0]?.physicalLocation.artifactLocation.uri,
  line: result.locations[0]?.physicalLocation.region?.startLine,
});

describe("gatehouse policies test --format junit|sarif", () => {
  it("junit: a test case per test, the failing one with expected and actual at its line; read by a JUnit parser; exit 1", async () => {
    const run = await cli(["policies", "test", "policies/set.yaml", "--format", "junit"], [], { files: { "policies/set.yaml": SET_YAML }, env: {} });
    expect(run.code).toBe(EXIT_FAILURE);
    const report = await parseJunit(run.stdout);
    expect(report).toMatchObject({ name: "gatehouse policies test", tests: 3, failures: 1, errors: 0 });
    const suite = (
      report as { testsuite: { name: string; tests: number; failures: number; testcase: { name: string; classname: string; failure?: { message: string; inner: string }[] }[] }[] }
    ).testsuite[0]!;
    expect(suite).toMatchObject({ name: "policies/set.yaml", tests: 3, failures: 1 });
    expect(suite.testcase!.map((c) => [c.name, c.failure?.[0]?.message ?? "passed"])).toEqual([
      ["reads are fine", "passed"],
      ["merges go straight through", "expected allow (any policy), got require_approval by review-merges"],
      ["wipes are denied by nothing", "passed"],
    ]);
    expect(suite.testcase![1]?.failure?.[0]?.inner).toContain("policies/set.yaml:12");
    expect(run.stdout).toContain('file="policies/set.yaml" line="12"');
  });

  it("sarif: an error per failing test at the test's line, valid against SARIF 2.1.0's schema; exit 1, and 0 when all pass", async () => {
    const run = await cli(["policies", "test", "policies/set.yaml", "--format", "sarif"], [], { files: { "policies/set.yaml": SET_YAML }, env: {} });
    expect(run.code).toBe(EXIT_FAILURE);
    const log = sarifOf(run.stdout);
    expect(log.runs[0]!.results.map(where)).toEqual([{ ruleId: "GH001", level: "error", uri: "policies/set.yaml", line: 12 }]);
    expect(log.runs[0]!.results[0]!.message.text).toBe('Test "merges go straight through" expected allow (any policy), got require_approval by review-merges.');

    const passing = SET_YAML.replace("expect: { effect: allow }\n", "expect: { effect: require_approval, policy: review-merges }\n");
    const clean = await cli(["policies", "test", "policies/set.yaml", "--format", "sarif"], [], { files: { "policies/set.yaml": passing }, env: {} });
    expect(clean.code).toBe(EXIT_OK);
    expect(sarifOf(clean.stdout).runs[0]!.results).toEqual([]);
  });

  it("a file that is not a valid set is still a report: each problem at its line (a wrong field, YAML that does not parse), exit 1", async () => {
    const wrongField = SET_YAML.replace("effect: deny, policy: null", "effect: maybe");
    const sarif = await cli(["policies", "test", "set.yaml", "--format", "sarif"], [], { files: { "set.yaml": wrongField }, env: {} });
    expect(sarif.code).toBe(EXIT_FAILURE);
    expect(sarif.stderr).toMatch(/tests\[2\]\.expect\.effect \(set\.yaml:17\)/);
    expect(sarifOf(sarif.stdout).runs[0]!.results.map(where)).toEqual([{ ruleId: "GH002", level: "error", uri: "set.yaml", line: 17 }]);

    const junit = await cli(["policies", "test", "set.yaml", "--format", "junit"], [], { files: { "set.yaml": "policies:\n  - name: a\n    effect: [\n" }, env: {} });
    expect(junit.code).toBe(EXIT_FAILURE);
    const report = await parseJunit(junit.stdout);
    expect(report.failures).toBe(1);
    expect(report.testsuite?.[0]?.testcase?.[0]?.failure?.[0]?.inner).toMatch(/^set\.yaml:\d+: /);

    const missing = await cli(["policies", "test", "gone.yaml", "--format", "sarif"], [], { files: {}, env: {} });
    expect(missing.code).toBe(EXIT_FAILURE);
    expect(sarifOf(missing.stdout).runs[0]!.results.map((r) => r.message.text)).toEqual([expect.stringContaining("cannot read gone.yaml")]);
  });

  it("--format takes text, json, junit or sarif; --json is json and does not combine with another format", async () => {
    const files = { files: { "set.yaml": SET_YAML }, env: {} };
    expect((await cli(["policies", "test", "set.yaml", "--format", "xml"], [], files)).stderr).toContain("--format must be text, json, junit, sarif");
    expect((await cli(["policies", "test", "set.yaml", "--format", "xml"], [], files)).code).toBe(EXIT_USAGE);
    expect((await cli(["policies", "test", "set.yaml", "--json", "--format", "sarif"], [], files)).code).toBe(EXIT_USAGE);
    const asJson = await cli(["policies", "test", "set.yaml", "--format", "json"], [], files);
    expect(JSON.parse(asJson.stdout)).toMatchObject({ passed: 2, failed: 1 });
  });
});

describe("gatehouse policies simulate --format junit|sarif --fail-on", () => {
  const files = { files: { "draft.yaml": DRAFT_YAML } };

  it("sarif: a warning where decisions would loosen and a note where they would tighten, each at the policy that decides", async () => {
    const run = await cli(["policies", "simulate", "draft.yaml", "--format", "sarif"], [json(200, SIMULATION)], files);
    expect(run.code).toBe(EXIT_OK);
    const log = sarifOf(run.stdout);
    expect(log.runs[0]!.results.map(where)).toEqual([
      { ruleId: "GH003", level: "warning", uri: "draft.yaml", line: 5 },
      { ruleId: "GH004", level: "note", uri: "draft.yaml", line: 8 },
    ]);
    expect(log.runs[0]!.results[0]!.message.text).toBe("10 recorded decisions of pr.merge in the last 7 days would go from require_approval to allow (decided by merges-allowed).");
  });

  it("--fail-on loosen: exit 1 with the loosening an error (SARIF) and a failure (JUnit); --fail-on change fails the tightening too", async () => {
    const sarif = await cli(["policies", "simulate", "draft.yaml", "--format", "sarif", "--fail-on", "loosen"], [json(200, SIMULATION)], files);
    expect(sarif.code).toBe(EXIT_FAILURE);
    expect(sarif.stderr).toBe("10 recorded decisions would loosen (--fail-on loosen).\n");
    expect(sarifOf(sarif.stdout).runs[0]!.results.map((r) => r.level)).toEqual(["error", "note"]);

    const junit = await cli(["policies", "simulate", "draft.yaml", "--format", "junit", "--fail-on", "change"], [json(200, SIMULATION)], files);
    expect(junit.code).toBe(EXIT_FAILURE);
    const report = await parseJunit(junit.stdout);
    expect([report.tests, report.failures]).toEqual([2, 2]);
    expect(report.testsuite![0]!.testcase!.map((c) => [c.name, c.failure?.[0]?.type])).toEqual([
      ["pr.merge: require_approval → allow", "DecisionLoosened"],
      ["data.export: allow → deny", "DecisionChanged"],
    ]);

    const none = await cli(["policies", "simulate", "draft.yaml", "--format", "junit"], [json(200, SIMULATION)], files);
    expect(none.code).toBe(EXIT_OK);
    expect((await parseJunit(none.stdout)).failures).toBe(0);
  });

  it("a replay that changes nothing is one passing case; a wrong --fail-on is a usage error before any call", async () => {
    const quiet = { ...SIMULATION, changed: 0, transitions: [], byActionType: [], samples: [] };
    const run = await cli(["policies", "simulate", "draft.yaml", "--format", "junit", "--fail-on", "change"], [json(200, quiet)], files);
    expect(run.code).toBe(EXIT_OK);
    expect(await parseJunit(run.stdout)).toMatchObject({ tests: 1, failures: 0 });
    const bad = await cli(["policies", "simulate", "draft.yaml", "--fail-on", "tighten"], [], files);
    expect([bad.code, bad.calls.length, bad.stderr]).toEqual([EXIT_USAGE, 0, expect.stringContaining("--fail-on must be none, loosen, change")]);
  });

  it("the server's refusal is a report too, each problem at its line", async () => {
    const refusal = json(400, { error: { code: "VALIDATION", message: "invalid", details: { issues: [{ path: "policies[1].effect", message: "Invalid option" }] } } });
    const run = await cli(["policies", "simulate", "draft.yaml", "--format", "sarif"], [refusal], files);
    expect(run.code).toBe(EXIT_FAILURE);
    expect(sarifOf(run.stdout).runs[0]!.results.map(where)).toEqual([{ ruleId: "GH002", level: "error", uri: "draft.yaml", line: 7 }]);
  });
});

describe("hostile test names", () => {
  it("cannot break out of the JUnit XML or the SARIF: any name parses back as itself (less what XML 1.0 cannot hold)", { timeout: 60_000 }, async () => {
    const policyFile = readPolicyFile("set.yaml", SET_YAML);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.string({ unit: "binary", maxLength: 40 }), fc.boolean()), { minLength: 1, maxLength: 5 }), async (tests) => {
        const run = {
          passed: tests.filter(([, passed]) => passed).length,
          failed: tests.filter(([, passed]) => !passed).length,
          results: tests.map(([name, passed]) => ({ name, passed, expected: { effect: "allow" as const }, actual: { effect: "deny" as const, policy: name } })),
        };
        const text = junitOfTestRun("set.yaml", policyFile, run, 0, "2026-11-26T00:00:00.000Z");
        // Without junit2json's default attribute processing, which reads a name like "12" as a number.
        const report = await parseJunit(text, {});
        const storable = (s: string) => s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/gu, "");
        expect([Number(report.tests), Number(report.failures)]).toEqual([run.results.length, run.failed]);
        expect(report.testsuite![0]!.testcase!.map((c) => c.name)).toEqual(tests.map(([name]) => storable(name)));
        // A failure's text (the actual decision names the policy, here the same hostile string) reads back too.
        const failures = report.testsuite![0]!.testcase!.flatMap((c) => (c.failure ? [c.failure[0]?.inner ?? ""] : []));
        expect(failures).toEqual(tests.filter(([, passed]) => !passed).map(([name]) => expect.stringMatching(new RegExp(`deny by ${escapeRegExp(storable(name))}$`))));
        const log = sarifOfTestRun("set.yaml", policyFile, run);
        expect(validateSchema(log) ? [] : validateSchema.errors).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

describe("Microsoft's SARIF Multitool", () => {
  it("validates every log printed above with no error, GitHub code scanning's ingestion rules included", { timeout: 120_000 }, () => {
    expect(printed.length).toBeGreaterThanOrEqual(7);
    const checked = spawnSync(MULTITOOL, ["validate", "--rule-kind", "Sarif;Gh", ...printed], { encoding: "utf8", env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: "1" } });
    expect(checked.error).toBeUndefined();
    expect(checked.stdout).toContain(`${printed.length} files scanned`);
    expect(checked.stdout.split("\n").filter((line) => /\): error /.test(line))).toEqual([]);
  });
});

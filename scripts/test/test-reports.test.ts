// `npm run test:repeat` lists every test that failed in any pass from the runners' JSON reports (issue 48): a failure
// it missed would let a flake land unnoticed.
import { describe, expect, it } from "vitest";
import { costliestFiles, playwrightFileCosts, playwrightOutcome, pytestFileCosts, pytestOutcome, vitestFileCosts, vitestOutcome } from "../lib/test-reports.ts";

describe("a repeated run's reading of the runners' reports", () => {
  it("names each journey that failed or passed only on a retry, with its file and describe blocks", () => {
    const outcome = playwrightOutcome({
      stats: { expected: 2, unexpected: 1, flaky: 1, skipped: 1 },
      suites: [
        {
          title: "event-streams.spec.ts",
          file: "event-streams.spec.ts",
          specs: [{ title: "streams push", tests: [{ status: "expected" }] }],
          suites: [
            {
              title: "the cap",
              specs: [
                {
                  title: "a user holds at most 10 streams",
                  tests: [
                    {
                      status: "unexpected",
                      results: [{ error: { message: "\u001b[31mError: expect(received).toBe(expected)\u001b[39m\n\nExpected: 429\nReceived: 200\n    at streams.spec.ts:40" } }],
                    },
                  ],
                },
                { title: "another", tests: [{ status: "skipped" }] },
              ],
            },
          ],
        },
        { title: "grants.spec.ts", file: "grants.spec.ts", specs: [{ title: "calls used", tests: [{ status: "flaky" }, { status: "expected" }] }] },
      ],
    });
    expect(outcome).toEqual({
      passed: 2,
      failed: 1,
      flaky: 1,
      skipped: 1,
      failures: ["event-streams.spec.ts › the cap › a user holds at most 10 streams", "grants.spec.ts › calls used (passed on a retry)"],
      why: ["Error: expect(received).toBe(expected)\n\nExpected: 429", ""],
    });
  });

  it("names each failed fault test, and a file that failed outside its tests (a hook or teardown that threw)", () => {
    const outcome = vitestOutcome(
      {
        numPassedTests: 3,
        numFailedTests: 1,
        numPendingTests: 0,
        testResults: [
          {
            name: "/repo/apps/api/test/faults/partition.test.ts",
            status: "failed",
            assertionResults: [
              { fullName: "a cut host fails closed", status: "failed", failureMessages: ["AssertionError: expected 'allow' to be 'deny'\n    at partition.test.ts:12"] },
              { fullName: "heals", status: "passed" },
            ],
          },
          {
            name: "/repo/apps/api/test/faults/failover.test.ts",
            status: "failed",
            message: "Hook timed out in 180000ms",
            assertionResults: [{ fullName: "loses nothing", status: "passed" }],
          },
          { name: "/repo/apps/api/test/faults/redis-down.test.ts", status: "passed", assertionResults: [{ fullName: "recovers", status: "passed" }] },
        ],
      },
      "/repo",
    );
    expect(outcome.failures).toEqual(["apps/api/test/faults/partition.test.ts › a cut host fails closed", "apps/api/test/faults/failover.test.ts (failed outside its tests)"]);
    expect(outcome.why).toEqual(["AssertionError: expected 'allow' to be 'deny'\n    at partition.test.ts:12", "Hook timed out in 180000ms"]);
    expect(outcome.failed).toBe(2);
  });

  it("reads pytest's JUnit XML: its counts, and each failed or erroring case with its message unescaped", () => {
    const xml = `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="1" failures="1" skipped="1" tests="5" time="3.2">
<testcase classname="tests.test_verify_bundle" name="test_start_line[gap]" time="0.01"><failure message="AssertionError: assert &apos;ok&apos; == &quot;broken&quot; &amp; more">trace</failure></testcase>
<testcase classname="tests.test_gate.TestGate" name="test_waits" time="0.2"><error message="failed on setup: ConnectionRefusedError">trace</error></testcase>
<testcase classname="tests.test_gate.TestGate" name="test_skipped" time="0"><skipped message="reason" /></testcase>
<testcase classname="tests.test_gate" name="test_a" time="0.1" />
<testcase classname="tests.test_gate" name="test_b" time="0.1"></testcase>
</testsuite></testsuites>`;
    expect(pytestOutcome(xml, "packages/sdk-python")).toEqual({
      passed: 2,
      failed: 2,
      flaky: 0,
      skipped: 1,
      failures: ["packages/sdk-python › tests.test_verify_bundle::test_start_line[gap]", "packages/sdk-python › tests.test_gate.TestGate::test_waits"],
      why: [`AssertionError: assert 'ok' == "broken" & more`, "failed on setup: ConnectionRefusedError"],
    });
  });

  it("reads a pass with no failure as clean", () => {
    expect(playwrightOutcome({ stats: { expected: 3, unexpected: 0, flaky: 0, skipped: 0 }, suites: [] }).failures).toEqual([]);
    expect(vitestOutcome({ numPassedTests: 1, numFailedTests: 0, numPendingTests: 0, testResults: [] }, "/repo").failed).toBe(0);
    expect(
      pytestOutcome(`<testsuite errors="0" failures="0" skipped="0" tests="2"><testcase classname="t" name="a" /><testcase classname="t" name="b"></testcase></testsuite>`, "p"),
    ).toMatchObject({ passed: 2, failed: 0, failures: [] });
  });

  it("says what each file cost every runner, and lists the costliest first", () => {
    const vitest = vitestFileCosts(
      {
        numPassedTests: 2,
        numFailedTests: 0,
        numPendingTests: 0,
        testResults: [
          { name: "/repo/packages/db/test/a.test.ts", status: "passed", startTime: 1_000, endTime: 4_500, assertionResults: [] },
          { name: "/repo/apps/api/test/b.test.ts", status: "passed", startTime: 2_000, endTime: 2_250, assertionResults: [] },
        ],
      },
      "/repo",
    );
    expect(vitest).toEqual([
      { runner: "vitest", file: "packages/db/test/a.test.ts", seconds: 3.5 },
      { runner: "vitest", file: "apps/api/test/b.test.ts", seconds: 0.25 },
    ]);
    const playwright = playwrightFileCosts({
      stats: { expected: 3, unexpected: 0, flaky: 0, skipped: 0 },
      suites: [
        {
          title: "members.spec.ts",
          file: "members.spec.ts",
          specs: [{ title: "invites", tests: [{ status: "expected", results: [{ duration: 1_500 }, { duration: 500 }] }] }],
          suites: [{ title: "roles", specs: [{ title: "demotes", tests: [{ status: "expected", results: [{ duration: 4_000 }] }] }] }],
        },
      ],
    });
    expect(playwright).toEqual([{ runner: "playwright", file: "playwright/members.spec.ts", seconds: 6 }]);
    const pytest = pytestFileCosts(
      `<testsuite tests="3"><testcase classname="tests.test_gate.TestGate" name="a" time="0.5" /><testcase classname="tests.test_gate" name="b" time="1.25"></testcase><testcase classname="tests.test_scan" name="c" time="0.1" /></testsuite>`,
      "packages/sdk-python",
    );
    expect(pytest).toEqual([
      { runner: "pytest", file: "packages/sdk-python/tests/test_gate.py", seconds: 1.75 },
      { runner: "pytest", file: "packages/sdk-python/tests/test_scan.py", seconds: 0.1 },
    ]);
    const lines = costliestFiles([...vitest, ...playwright, ...pytest], 3);
    expect(lines.map((line) => line.trim().split(/\s+/).at(-1))).toEqual(["playwright/members.spec.ts", "packages/db/test/a.test.ts", "packages/sdk-python/tests/test_gate.py"]);
    expect(lines[0]).toMatch(/^\s+6\.0 s {2}playwright/);
  });
});

// `npm run test:repeat` lists every test that failed in any pass from the runners' JSON reports (issue 48): a failure
// it missed would let a flake land unnoticed.
import { describe, expect, it } from "vitest";
import { playwrightOutcome, vitestOutcome } from "../lib/test-reports.ts";

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
                { title: "a user holds at most 10 streams", tests: [{ status: "unexpected" }] },
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
              { fullName: "a cut host fails closed", status: "failed" },
              { fullName: "heals", status: "passed" },
            ],
          },
          { name: "/repo/apps/api/test/faults/failover.test.ts", status: "failed", assertionResults: [{ fullName: "loses nothing", status: "passed" }] },
          { name: "/repo/apps/api/test/faults/redis-down.test.ts", status: "passed", assertionResults: [{ fullName: "recovers", status: "passed" }] },
        ],
      },
      "/repo",
    );
    expect(outcome.failures).toEqual(["apps/api/test/faults/partition.test.ts › a cut host fails closed", "apps/api/test/faults/failover.test.ts (failed outside its tests)"]);
    expect(outcome.failed).toBe(2);
  });

  it("reads a pass with no failure as clean", () => {
    expect(playwrightOutcome({ stats: { expected: 3, unexpected: 0, flaky: 0, skipped: 0 }, suites: [] }).failures).toEqual([]);
    expect(vitestOutcome({ numPassedTests: 1, numFailedTests: 0, numPendingTests: 0, testResults: [] }, "/repo").failed).toBe(0);
  });
});

// What a runner's JSON report says about a pass: its counts and every test that failed, named "file › title". Read by
// `npm run test:repeat` (scripts/test-repeat.ts), which lists each test that failed in any pass.

/** How `npm test` runs the browser journeys and the fault tests (scripts/test.ts); `npm run test:repeat` runs them the same way. */
export const PLAYWRIGHT_ARGS = ["playwright", "test", "-c", "playwright/playwright.config.ts", "--reporter=list,json"] as const;
export const faultsArgs = (jsonReport: string) => ["vitest", "run", "--project", "faults", "--reporter=default", "--reporter=json", `--outputFile.json=${jsonReport}`];

export type Outcome = { passed: number; failed: number; flaky: number; skipped: number; failures: string[] };

type PlaywrightSuite = { title: string; file?: string; specs?: { title: string; tests: { status: string }[] }[]; suites?: PlaywrightSuite[] };
export type PlaywrightReport = { stats: { expected: number; unexpected: number; flaky: number; skipped: number }; suites: PlaywrightSuite[] };

/** Playwright's JSON reporter: a test is "unexpected" (failed), "flaky" (passed on a retry), "expected" or "skipped". */
export function playwrightOutcome(report: PlaywrightReport): Outcome {
  const failures: string[] = [];
  const walk = (suite: PlaywrightSuite, file: string, path: string[]) => {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests) {
        if (test.status === "unexpected" || test.status === "flaky") {
          failures.push(`${file} › ${[...path, spec.title].join(" › ")}${test.status === "flaky" ? " (passed on a retry)" : ""}`);
        }
      }
    }
    for (const child of suite.suites ?? []) walk(child, file, [...path, child.title]);
  };
  for (const suite of report.suites) walk(suite, suite.file ?? suite.title, []);
  return { passed: report.stats.expected, failed: report.stats.unexpected, flaky: report.stats.flaky, skipped: report.stats.skipped, failures };
}

export type VitestReport = {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  testResults: { name: string; status: string; assertionResults: { fullName: string; status: string }[] }[];
};

/** Vitest's JSON reporter; a file whose setup or teardown threw counts no failing test, and is a failure all the same. */
export function vitestOutcome(report: VitestReport, root: string): Outcome {
  const failures: string[] = [];
  for (const file of report.testResults) {
    const name = file.name.startsWith(`${root}/`) ? file.name.slice(root.length + 1) : file.name;
    const failed = file.assertionResults.filter((a) => a.status === "failed");
    for (const test of failed) failures.push(`${name} › ${test.fullName}`);
    if (file.status === "failed" && failed.length === 0) failures.push(`${name} (failed outside its tests)`);
  }
  return { passed: report.numPassedTests, failed: Math.max(report.numFailedTests, failures.length), flaky: 0, skipped: report.numPendingTests, failures };
}

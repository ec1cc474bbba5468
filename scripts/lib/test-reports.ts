// What a runner's JSON report says about a pass: its counts and every test that failed, named "file › title". Read by
// `npm run test:repeat` (scripts/test-repeat.ts), which lists each test that failed in any pass.

/** How `npm test` runs the browser journeys and the fault tests (scripts/test.ts); `npm run test:repeat` runs them the same way. */
export const PLAYWRIGHT_ARGS = ["playwright", "test", "-c", "playwright/playwright.config.ts", "--reporter=list,json"] as const;
export const faultsArgs = (jsonReport: string) => ["vitest", "run", "--project", "faults", "--reporter=default", "--reporter=json", `--outputFile.json=${jsonReport}`];

/** `why[i]` is the first lines of what `failures[i]` said (ANSI colours removed; "" when the report gave nothing). */
export type Outcome = { passed: number; failed: number; flaky: number; skipped: number; failures: string[]; why: string[] };

const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

/** The first three lines of a failure's message, each cut at 300 characters, without terminal colours. */
export function firstLines(message: string | undefined): string {
  return (message ?? "")
    .replace(ANSI_COLOUR, "")
    .split("\n")
    .slice(0, 3)
    .map((line) => line.slice(0, 300))
    .join("\n")
    .trim();
}

type PlaywrightSuite = {
  title: string;
  file?: string;
  specs?: { title: string; tests: { status: string; results?: { duration?: number; error?: { message?: string } }[] }[] }[];
  suites?: PlaywrightSuite[];
};
export type PlaywrightReport = { stats: { expected: number; unexpected: number; flaky: number; skipped: number }; suites: PlaywrightSuite[] };

/** Playwright's JSON reporter: a test is "unexpected" (failed), "flaky" (passed on a retry), "expected" or "skipped". */
export function playwrightOutcome(report: PlaywrightReport): Outcome {
  const failures: string[] = [];
  const why: string[] = [];
  const walk = (suite: PlaywrightSuite, file: string, path: string[]) => {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests) {
        if (test.status === "unexpected" || test.status === "flaky") {
          failures.push(`${file} › ${[...path, spec.title].join(" › ")}${test.status === "flaky" ? " (passed on a retry)" : ""}`);
          why.push(firstLines(test.results?.find((result) => result.error)?.error?.message));
        }
      }
    }
    for (const child of suite.suites ?? []) walk(child, file, [...path, child.title]);
  };
  for (const suite of report.suites) walk(suite, suite.file ?? suite.title, []);
  return { passed: report.stats.expected, failed: report.stats.unexpected, flaky: report.stats.flaky, skipped: report.stats.skipped, failures, why };
}

export type VitestReport = {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  testResults: {
    name: string;
    status: string;
    message?: string;
    startTime?: number;
    endTime?: number;
    assertionResults: { fullName: string; status: string; failureMessages?: string[] }[];
  }[];
};

/** Vitest's JSON reporter; a file whose setup or teardown threw counts no failing test, and is a failure all the same. */
export function vitestOutcome(report: VitestReport, root: string): Outcome {
  const failures: string[] = [];
  const why: string[] = [];
  for (const file of report.testResults) {
    const name = file.name.startsWith(`${root}/`) ? file.name.slice(root.length + 1) : file.name;
    const failed = file.assertionResults.filter((a) => a.status === "failed");
    for (const test of failed) {
      failures.push(`${name} › ${test.fullName}`);
      why.push(firstLines(test.failureMessages?.[0]));
    }
    if (file.status === "failed" && failed.length === 0) {
      failures.push(`${name} (failed outside its tests)`);
      why.push(firstLines(file.message));
    }
  }
  return { passed: report.numPassedTests, failed: Math.max(report.numFailedTests, failures.length), flaky: 0, skipped: report.numPendingTests, failures, why };
}

const xmlText = (text: string) =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

/** pytest's JUnit XML (`--junitxml`): its counts, and each case with a <failure> or <error>, named "folder › module.Class::name". */
export function pytestOutcome(junitXml: string, folder: string): Outcome {
  const suite = /<testsuite\b([^>]*)>/.exec(junitXml)?.[1] ?? "";
  const count = (name: string) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(suite)?.[1] ?? 0);
  const failed = count("failures") + count("errors");
  const failures: string[] = [];
  const why: string[] = [];
  for (const [, attributes = "", body = ""] of junitXml.matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const problem = /<(?:failure|error)\b[^>]*?message="([^"]*)"/.exec(body);
    if (!problem) continue;
    const attribute = (name: string) => xmlText(new RegExp(`\\b${name}="([^"]*)"`).exec(attributes)?.[1] ?? "?");
    failures.push(`${folder} › ${attribute("classname")}::${attribute("name")}`);
    why.push(firstLines(xmlText(problem[1] ?? "")));
  }
  return { passed: count("tests") - failed - count("skipped"), failed: Math.max(failed, failures.length), flaky: 0, skipped: count("skipped"), failures, why };
}

/** What one test file cost a runner: its seconds from first setup to last teardown (Vitest), or its tests' summed seconds (Playwright, pytest). */
export type FileCost = { runner: string; file: string; seconds: number };

export function vitestFileCosts(report: VitestReport, root: string, runner = "vitest"): FileCost[] {
  return report.testResults.map((file) => ({
    runner,
    file: file.name.startsWith(`${root}/`) ? file.name.slice(root.length + 1) : file.name,
    seconds: file.startTime !== undefined && file.endTime !== undefined ? (file.endTime - file.startTime) / 1000 : 0,
  }));
}

export function playwrightFileCosts(report: PlaywrightReport): FileCost[] {
  const costs = new Map<string, number>();
  const walk = (suite: PlaywrightSuite, file: string) => {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests) for (const result of test.results ?? []) costs.set(file, (costs.get(file) ?? 0) + (result.duration ?? 0) / 1000);
    }
    for (const child of suite.suites ?? []) walk(child, file);
  };
  for (const suite of report.suites) walk(suite, suite.file ?? suite.title);
  return [...costs].map(([file, seconds]) => ({ runner: "playwright", file: `playwright/${file}`, seconds }));
}

/** pytest's JUnit XML: each case's `time`, summed per module (classname "tests.test_x" or "tests.test_x.TestY" is tests/test_x.py). */
export function pytestFileCosts(junitXml: string, folder: string): FileCost[] {
  const costs = new Map<string, number>();
  for (const [, attributes = ""] of junitXml.matchAll(/<testcase\b([^>]*?)\/?>/g)) {
    const classname = xmlText(/\bclassname="([^"]*)"/.exec(attributes)?.[1] ?? "?");
    const parts = classname.split(".");
    const module = parts.length > 1 && /^[A-Z]/.test(parts.at(-1) ?? "") ? parts.slice(0, -1) : parts;
    const file = `${folder}/${module.join("/")}.py`;
    costs.set(file, (costs.get(file) ?? 0) + Number(/\btime="([0-9.]+)"/.exec(attributes)?.[1] ?? 0));
  }
  return [...costs].map(([file, seconds]) => ({ runner: "pytest", file, seconds }));
}

/** The `n` costliest files, costliest first, one line each ("  123.4 s  vitest  packages/db/test/x.test.ts"). */
export function costliestFiles(costs: readonly FileCost[], n = 10): string[] {
  return [...costs]
    .sort((a, b) => b.seconds - a.seconds || a.file.localeCompare(b.file))
    .slice(0, n)
    .map((cost) => `${cost.seconds.toFixed(1).padStart(7)} s  ${cost.runner.padEnd(15)} ${cost.file}`);
}

// `npm run test:repeat`: flakes found before they land (issue 48). Runs the browser journeys (Playwright) and the fault
// tests (the Vitest project `faults`) several times in a row, each pass exactly as `npm test` runs it, and records every
// test that failed in any pass: a test that fails once is a flake to fix, or to quarantine with its reason in the code
// (docs/repeated-runs.md). Passes of one runner follow each other; the browser passes come first, then the fault passes.
//
//   npm run test:repeat                     3 passes of each
//   npm run test:repeat -- --times 5        5 passes of each
//   npm run test:repeat -- --only browser   only the journeys (or: --only faults)
//   npm run test:repeat -- --grep "streams" only the journeys whose title matches (Playwright's --grep; browser only)
//   npm run test:repeat -- --each 20        each journey 20 times within a pass (Playwright's --repeat-each), one after
//                                           the other on the same stack: what one test leaves behind meets its next run
//
// Writes test-results/repeat/summary.json and summary.md (each pass: time, counts, the tests that failed, the cores'
// busy seconds) and exits non-zero if any pass failed. Needs what `npm test` needs (README, Tests).
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { measured } from "./lib/cpu-seconds.ts";
import { faultsArgs, PLAYWRIGHT_ARGS, playwrightOutcome, vitestOutcome, type Outcome, type PlaywrightReport, type VitestReport } from "./lib/test-reports.ts";

const { values } = parseArgs({
  options: {
    times: { type: "string", default: "3" },
    only: { type: "string" },
    grep: { type: "string" },
    each: { type: "string", default: "1" },
  },
});
const times = Number(values.times);
if (!Number.isInteger(times) || times < 1 || times > 100) {
  console.error(`--times must be a whole number from 1 to 100 (got ${values.times})`);
  process.exit(2);
}
const each = Number(values.each);
if (!Number.isInteger(each) || each < 1 || each > 100) {
  console.error(`--each must be a whole number from 1 to 100 (got ${values.each})`);
  process.exit(2);
}
if (values.only !== undefined && values.only !== "browser" && values.only !== "faults") {
  console.error(`--only must be "browser" or "faults" (got ${values.only})`);
  process.exit(2);
}
if ((values.grep !== undefined || each > 1) && values.only === "faults") {
  console.error("--grep and --each apply to the browser journeys; they cannot be used with --only faults");
  process.exit(2);
}
const runners = values.only ? [values.only] : values.grep !== undefined || each > 1 ? ["browser"] : ["browser", "faults"];

const out = resolve("test-results", "repeat");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const env = { ...process.env, CI: process.env.CI ?? "true", NEXT_TELEMETRY_DISABLED: "1" };

type Pass = {
  runner: string;
  pass: number;
  seconds: number;
  exitStatus: number;
  passed: number;
  failed: number;
  flaky: number;
  skipped: number;
  /** "file › title" of every test that failed (or passed only on a retry) in this pass. */
  failures: string[];
  /** Seconds the cores were busy during the pass, of the seconds they had. */
  cpu: { busy: number; available: number } | null;
};

function playwrightPass(pass: number): Pass {
  const report = join(out, `playwright-${pass}.json`);
  const args: string[] = [...PLAYWRIGHT_ARGS];
  if (values.grep !== undefined) args.push("--grep", values.grep);
  if (each > 1) args.push("--repeat-each", String(each));
  const run = () => spawnSync("npx", args, { stdio: "inherit", env: { ...env, PLAYWRIGHT_JSON_OUTPUT_NAME: report } }).status ?? 1;
  return timed("browser", pass, run, () => (existsSync(report) ? playwrightOutcome(JSON.parse(readFileSync(report, "utf8")) as PlaywrightReport) : null));
}

function faultsPass(pass: number): Pass {
  const report = join(out, `faults-${pass}.json`);
  const run = () => spawnSync("npx", faultsArgs(report), { stdio: "inherit", env }).status ?? 1;
  return timed("faults", pass, run, () => (existsSync(report) ? vitestOutcome(JSON.parse(readFileSync(report, "utf8")) as VitestReport, process.cwd()) : null));
}

function timed(runner: string, pass: number, run: () => number, read: () => Outcome | null): Pass {
  console.log(`\n== ${runner}: pass ${pass} of ${times}`);
  const { result: exitStatus, seconds, cpu } = measured(run);
  const counts = read();
  // A runner that exited non-zero, or wrote no report, failed this pass even if it named no test.
  const failures = counts?.failures ?? [];
  if (exitStatus !== 0 && failures.length === 0) failures.push(`(the runner exited with status ${exitStatus}${counts ? "" : " and wrote no report"})`);
  return { runner, pass, seconds, exitStatus, passed: counts?.passed ?? 0, failed: counts?.failed ?? 0, flaky: counts?.flaky ?? 0, skipped: counts?.skipped ?? 0, failures, cpu };
}

const passes: Pass[] = [];
for (const runner of runners) {
  for (let pass = 1; pass <= times; pass++) passes.push(runner === "browser" ? playwrightPass(pass) : faultsPass(pass));
}

const bad = passes.filter((p) => p.exitStatus !== 0 || p.failures.length > 0);
/** Each test that failed at least once, with the passes it failed in. */
const flakes = new Map<string, string[]>();
for (const p of passes) for (const failure of p.failures) flakes.set(failure, [...(flakes.get(failure) ?? []), `${p.runner} ${p.pass}`]);
const commit = spawnSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).stdout.trim();
const summary = { at: new Date().toISOString(), commit, times, each, grep: values.grep ?? null, passes, failedOnce: Object.fromEntries(flakes) };
writeFileSync(join(out, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
const lines = [
  `# Repeated run (${summary.at}, ${commit}, ${times} pass${times === 1 ? "" : "es"}${each > 1 ? `, each journey ${each} times a pass` : ""}${values.grep ? `, journeys matching ${JSON.stringify(values.grep)}` : ""})`,
  "",
  "| runner | pass | time | passed | failed | flaky | skipped | cores busy |",
  "|---|---|---|---|---|---|---|---|",
  ...passes.map(
    (p) => `| ${p.runner} | ${p.pass} | ${p.seconds} s | ${p.passed} | ${p.failed} | ${p.flaky} | ${p.skipped} | ${p.cpu ? `${p.cpu.busy} of ${p.cpu.available} s` : "—"} |`,
  ),
  "",
  flakes.size === 0 ? "No test failed in any pass." : "Failed at least once:",
  ...[...flakes].map(([name, where]) => `- ${name}: ${where.join(", ")}`),
  "",
];
writeFileSync(join(out, "summary.md"), lines.join("\n"));
console.log(`\n${lines.join("\n")}`);
console.log(`written: ${join(out, "summary.json")}, ${join(out, "summary.md")}`);
process.exit(bad.length === 0 ? 0 : 1);

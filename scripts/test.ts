// `npm test`: every layer — unit (core, tlog, contracts, sdk, cli), integration (db, api, worker against PostgreSQL/Redis),
// the SDK and CLI as packed and installed (packages), the `npm start` smoke test (every SDK verb, CLI
// command family and console page on the embedded default) and the multiplexer (launcher), then the
// Playwright journeys (among them every console page with no false alarm). Both runners always run; the exit code is non-zero if
// either failed. Ends with one line: "N passed, N failed". The fault tests (vitest project `faults`) run
// after the other Vitest projects, on their own. The Python SDK's pytest suite (packages/sdk-python/tests)
// runs after them, beside the Playwright journeys, with the system's Python (PYTHON, default /usr/bin/python3, which has Debian's httpx,
// pytest and pytest-asyncio); its cases count in the same totals.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { measured, measuredAsync } from "./lib/cpu-seconds.ts";
import {
  costliestFiles,
  faultsArgs,
  PLAYWRIGHT_ARGS,
  playwrightFileCosts,
  playwrightOutcome,
  pytestFileCosts,
  pytestOutcome,
  vitestFileCosts,
  vitestOutcome,
  type PlaywrightReport,
  type VitestReport,
} from "./lib/test-reports.ts";

const out = "test-results";
mkdirSync(out, { recursive: true });
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
const passthrough = process.argv.slice(2);

/** Each runner's time and how busy it kept the cores (issue 44: what a faster CI has to work with). */
const runnerTimes: string[] = [];
function timed<T>(name: string, body: () => T): T {
  const { result, seconds, cpu } = measured(body);
  runnerTimes.push(`${name}: ${seconds} s${cpu ? ` (cores busy ${cpu.busy} of ${cpu.available} s)` : ""}`);
  return result;
}
/** `timed` for runners that run side by side: the cores' seconds are both runners'. */
async function timedBeside<T>(name: string, body: () => Promise<T>): Promise<T> {
  const { result, seconds, cpu } = await measuredAsync(body);
  runnerTimes.push(`${name}: ${seconds} s${cpu ? ` (cores busy ${cpu.busy} of ${cpu.available} s, with the runner beside it)` : ""}`);
  return result;
}

/** `npx <args…>`: a runner, its output on this terminal; its exit status. */
function run(args: readonly string[], extraEnv: Record<string, string> = {}): number {
  console.log(`\n$ ${args.join(" ")}`);
  const result = spawnSync("npx", args, { stdio: "inherit", env: { ...env, ...extraEnv } });
  return result.status ?? 1;
}

/**
 * A runner that runs beside another: its exit status once it ends. With `quiet`, its output is held and printed in
 * one piece when it ends, so that it does not interleave with the other runner's lines.
 */
function runBeside(command: string, args: readonly string[], options: { cwd?: string; extraEnv?: Record<string, string>; quiet?: boolean } = {}): Promise<number> {
  console.log(`\n$ ${command} ${args.join(" ")}${options.quiet ? " (its output follows when it ends)" : ""}`);
  const child = spawn(command, args, { cwd: options.cwd, env: { ...env, ...options.extraEnv }, stdio: options.quiet ? ["ignore", "pipe", "pipe"] : "inherit" });
  const held: Buffer[] = [];
  child.stdout?.on("data", (chunk: Buffer) => held.push(chunk));
  child.stderr?.on("data", (chunk: Buffer) => held.push(chunk));
  return new Promise((done) => {
    child.on("error", (error) => {
      held.push(Buffer.from(`${command} could not start: ${error.message}\n`));
    });
    child.on("close", (status) => {
      if (options.quiet) process.stdout.write(`\n--- ${command} ${args.join(" ")}\n${Buffer.concat(held).toString("utf8")}--- end of ${command}\n`);
      done(status ?? 1);
    });
  });
}

function readJson<T>(file: string): T | null {
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as T) : null;
}

const vitestJson = join(out, "vitest.json");
// Absolute: Playwright resolves a relative report path against its config folder.
const playwrightJson = resolve(out, "playwright.json");
const faultsJson = join(out, "vitest-faults.json");
// The fault-injection project (kills, restarts and freezes processes, fails a Patroni cluster over, cuts one API
// process off from PostgreSQL; about 5 minutes on 2 cores) runs
// after the others, on its own: side by side with them it would slow them and they would skew its
// latency bounds. `npm run test:faults` runs it alone. Naming projects on the command line chooses
// exactly those instead.
const chosen = passthrough.length > 0;
const projects = chosen ? [] : ["--project", "!faults"];
const vitestStatus = timed("vitest", () => run(["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestJson}`, ...projects, ...passthrough]));
rmSync(faultsJson, { force: true });
const faultsStatus = chosen ? 0 : timed("vitest (faults)", () => run(faultsArgs(faultsJson)));
const pythonJunit = resolve(out, "pytest.xml");
rmSync(pythonJunit, { force: true });
const python = process.env.PYTHON ?? (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
// pytest and Playwright run side by side: Playwright drives one browser against one stack, and pytest's cases mostly
// wait on their own API process (apart, they kept the cores 65 % and 31 % busy: bench/CI.md). A second Playwright
// worker was tried and gained nothing (bench/CI.md, 2026-11-28): the browser, the console and the API fill the cores.
const [pytestStatus, playwrightStatus] = chosen
  ? [0, 0]
  : await Promise.all([
      timedBeside("pytest", () => runBeside(python, ["-m", "pytest", "-q", "-p", "no:cacheprovider", `--junitxml=${pythonJunit}`], { cwd: "packages/sdk-python", quiet: true })),
      timedBeside("playwright", () => runBeside("npx", PLAYWRIGHT_ARGS, { extraEnv: { PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson } })),
    ]);

const main = readJson<VitestReport>(vitestJson);
const faults = chosen ? null : readJson<VitestReport>(faultsJson);
if (faults) console.log(`\nfault tests: ${faults.numPassedTests} passed, ${faults.numFailedTests} failed`);
const vitest = main && {
  numPassedTests: main.numPassedTests + (faults?.numPassedTests ?? 0),
  numFailedTests: main.numFailedTests + (faults?.numFailedTests ?? 0),
  numPendingTests: main.numPendingTests + (faults?.numPendingTests ?? 0),
};
const playwright = chosen ? null : readJson<PlaywrightReport>(playwrightJson);
const pytest = !chosen && existsSync(pythonJunit) ? pytestOutcome(readFileSync(pythonJunit, "utf8"), "packages/sdk-python") : null;
if (pytest) console.log(`\npython tests: ${pytest.passed} passed, ${pytest.failed} failed${pytest.skipped ? `, ${pytest.skipped} skipped` : ""}`);
const passed = (vitest?.numPassedTests ?? 0) + (playwright ? playwright.stats.expected + playwright.stats.flaky : 0) + (pytest?.passed ?? 0);
const failed = (vitest?.numFailedTests ?? 0) + (playwright?.stats.unexpected ?? 0) + (pytest?.failed ?? 0);
const skipped = (vitest?.numPendingTests ?? 0) + (playwright?.stats.skipped ?? 0) + (pytest?.skipped ?? 0);
const ok =
  vitestStatus === 0 && faultsStatus === 0 && pytestStatus === 0 && playwrightStatus === 0 && vitest !== null && (chosen || (faults !== null && pytest !== null)) && passed > 0;
// A runner can exit non-zero with no failing test (an unhandled error, a file that failed to load, a hook or teardown
// that threw): name it, so the log says which one.
for (const [name, status] of [
  ["vitest", vitestStatus],
  ["vitest (faults)", faultsStatus],
  ["pytest", pytestStatus],
  ["playwright", playwrightStatus],
] as const) {
  if (status !== 0) console.error(`${name} exited with status ${status}`);
}
if (!vitest) console.error("vitest wrote no results");
if (!chosen && !faults) console.error("the fault tests wrote no results");
if (!chosen && !pytest) console.error("pytest wrote no results");
if (!chosen && !playwright) console.error("playwright wrote no results");
// The failing tests by name, at the end where a log's tail shows them, each with the first lines of why.
const outcomes = [main && vitestOutcome(main, process.cwd()), faults && vitestOutcome(faults, process.cwd()), playwright && playwrightOutcome(playwright), pytest];
const failures = outcomes.flatMap((outcome) =>
  outcome ? outcome.failures.map((name, i) => `  ${name}${outcome.why[i] ? `\n${outcome.why[i].replace(/^/gm, "      ")}` : ""}`) : [],
);
if (failures.length > 0) console.error(`\nfailed tests:\n${failures.join("\n")}`);
console.log(`\nrunners:\n${runnerTimes.map((line) => `  ${line}`).join("\n")}`);
// What each file cost (test-results/file-costs.json, every file; bench/CI.md's table), and the ten costliest here, so
// that growth is seen where it happens (docs/testing.md).
const costs = [
  ...(main ? vitestFileCosts(main, process.cwd()) : []),
  ...(faults ? vitestFileCosts(faults, process.cwd(), "vitest (faults)") : []),
  ...(playwright ? playwrightFileCosts(playwright) : []),
  ...(!chosen && existsSync(pythonJunit) ? pytestFileCosts(readFileSync(pythonJunit, "utf8"), "packages/sdk-python") : []),
];
writeFileSync(join(out, "file-costs.json"), `${JSON.stringify(costs, null, 2)}\n`);
if (costs.length > 0) console.log(`\nthe ten costliest files (seconds each file ran, every file in ${join(out, "file-costs.json")}):\n${costliestFiles(costs).join("\n")}`);
console.log(`\ntests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(ok && failed === 0 ? 0 : 1);

// `npm test`: every layer — unit (core, tlog, contracts, sdk, cli), integration (db, api, worker against PostgreSQL/Redis),
// the SDK and CLI as packed and installed (packages), the `npm start` smoke test (every SDK verb, CLI
// command family and console page on the embedded default) and the multiplexer (launcher), then the
// Playwright journeys (among them every console page with no false alarm). Both runners always run; the exit code is non-zero if
// either failed. Ends with one line: "N passed, N failed". The fault tests (vitest project `faults`) run
// after the other Vitest projects, on their own.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

const out = "test-results";
mkdirSync(out, { recursive: true });
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
const passthrough = process.argv.slice(2);

function run(command: string, args: string[], extraEnv: Record<string, string> = {}): number {
  console.log(`\n$ ${command} ${args.join(" ")}`);
  const result = spawnSync("npx", [command, ...args], { stdio: "inherit", env: { ...env, ...extraEnv } });
  return result.status ?? 1;
}

function readJson<T>(file: string): T | null {
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as T) : null;
}

const vitestJson = join(out, "vitest.json");
// Absolute: Playwright resolves a relative report path against its config folder.
const playwrightJson = resolve(out, "playwright.json");
const faultsJson = join(out, "vitest-faults.json");
// The fault-injection project (kills, restarts and freezes processes; 1–2 minutes on 2 cores) runs
// after the others, on its own: side by side with them it would slow them and they would skew its
// latency bounds. `npm run test:faults` runs it alone. Naming projects on the command line chooses
// exactly those instead.
const chosen = passthrough.length > 0;
const projects = chosen ? [] : ["--project", "!faults"];
const vitestStatus = run("vitest", ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestJson}`, ...projects, ...passthrough]);
rmSync(faultsJson, { force: true });
const faultsStatus = chosen ? 0 : run("vitest", ["run", "--project", "faults", "--reporter=default", "--reporter=json", `--outputFile.json=${faultsJson}`]);
const playwrightStatus =
  passthrough.length > 0 ? 0 : run("playwright", ["test", "-c", "playwright/playwright.config.ts", "--reporter=list,json"], { PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson });

type VitestResults = { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTotalTests: number };
const main = readJson<VitestResults>(vitestJson);
const faults = chosen ? null : readJson<VitestResults>(faultsJson);
if (faults) console.log(`\nfault tests: ${faults.numPassedTests} passed, ${faults.numFailedTests} failed`);
const vitest: VitestResults | null = main && {
  numPassedTests: main.numPassedTests + (faults?.numPassedTests ?? 0),
  numFailedTests: main.numFailedTests + (faults?.numFailedTests ?? 0),
  numPendingTests: main.numPendingTests + (faults?.numPendingTests ?? 0),
  numTotalTests: main.numTotalTests + (faults?.numTotalTests ?? 0),
};
const playwright = passthrough.length > 0 ? null : readJson<{ stats: { expected: number; unexpected: number; flaky: number; skipped: number } }>(playwrightJson);
const passed = (vitest?.numPassedTests ?? 0) + (playwright ? playwright.stats.expected + playwright.stats.flaky : 0);
const failed = (vitest?.numFailedTests ?? 0) + (playwright?.stats.unexpected ?? 0);
const skipped = (vitest?.numPendingTests ?? 0) + (playwright?.stats.skipped ?? 0);
const ok = vitestStatus === 0 && faultsStatus === 0 && playwrightStatus === 0 && vitest !== null && (chosen || faults !== null) && passed > 0;
if (!vitest) console.error("vitest wrote no results");
if (!chosen && !faults) console.error("the fault tests wrote no results");
if (passthrough.length === 0 && !playwright) console.error("playwright wrote no results");
console.log(`\ntests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(ok && failed === 0 ? 0 : 1);

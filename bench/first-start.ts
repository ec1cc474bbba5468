// A first `npm start` after `npm install`, as a user runs it (the embedded database, no DATABASE_URL, a
// new GATEHOUSE_HOME, no console build yet): how long until the console's address answers (the holding
// page), the API answers, and the console itself answers. Then a second start with the build kept.
// Baseline, measured in the same run: the console's build as CI builds it (`npm run build -w
// @gatehouse/web`, types checked), from nothing.
//
//   npm run bench:first-start      (writes bench/FIRST-START.md and bench/results/first-start-<time>.json)
//
// Run it on a quiet machine: the build takes both cores.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort, log, recordResults, root } from "./lib";

const TARGET_SECONDS = 60;
const LIMIT_MS = 10 * 60_000;
const WEB_BUILD = join(root, "apps", "web", ".next");

interface Start {
  /** From the spawn of `npm start` until the console's address answered anything (the holding page). */
  firstAnswerS: number;
  /** Until the API's /healthz answered 200. */
  apiS: number;
  /** Until the console itself (not the holding page) answered /api/healthz with 200. */
  consoleS: number;
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

async function answers(url: string): Promise<Response | null> {
  try {
    return await fetch(url, { signal: AbortSignal.timeout(2_000) });
  } catch {
    return null;
  }
}

/** One `npm start`, timed until the console answers, then stopped with Ctrl-C (SIGINT to its group). */
async function timedStart(home: string, extraEnv: Record<string, string>): Promise<Start> {
  const [apiPort, webPort] = [await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv, GATEHOUSE_HOME: home, API_PORT: String(apiPort), WEB_PORT: String(webPort) };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  delete env.NODE_ENV;
  const began = performance.now();
  const child = spawn("npm", ["start"], { cwd: root, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  let exited = false;
  const stopped = new Promise<void>((resolve) => child.once("exit", () => ((exited = true), resolve())));
  const at: Partial<Start> = {};
  try {
    while (at.consoleS === undefined) {
      if (exited) throw new Error(`npm start exited\n${output.slice(-4000)}`);
      if (performance.now() - began > LIMIT_MS) throw new Error(`the console did not answer within ${LIMIT_MS / 60_000} min\n${output.slice(-4000)}`);
      const elapsed = () => seconds(performance.now() - began);
      const web = await answers(`http://127.0.0.1:${webPort}/api/healthz`);
      if (web && at.firstAnswerS === undefined) at.firstAnswerS = elapsed();
      if (web?.status === 200 && web.headers.get("x-gatehouse-holding") === null) at.consoleS = elapsed();
      if (at.apiS === undefined && (await answers(`http://127.0.0.1:${apiPort}/healthz`))?.status === 200) at.apiS = elapsed();
      await sleep(100);
    }
    at.apiS ??= at.consoleS;
    return at as Start;
  } finally {
    if (child.pid !== undefined && !exited) process.kill(-child.pid, "SIGINT");
    await Promise.race([stopped, sleep(60_000)]);
    if (child.pid !== undefined && !exited) process.kill(-child.pid, "SIGKILL");
  }
}

const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", node: process.version, date: new Date().toISOString(), loadavgAtStart: loadavg() };
log(`machine: ${JSON.stringify(machine)}`);

// The baseline: the console's build on its own (`npm run build -w @gatehouse/web`), from nothing.
rmSync(WEB_BUILD, { recursive: true, force: true });
const buildBegan = performance.now();
const build = spawnSync("npm", ["run", "build", "-w", "@gatehouse/web"], { cwd: root, env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" }, encoding: "utf8" });
if (build.status !== 0) throw new Error(`the console's build failed:\n${build.stdout.slice(-3000)}${build.stderr.slice(-3000)}`);
const ciBuildS = seconds(performance.now() - buildBegan);
log(`the console's build on its own: ${ciBuildS} s`);

const home = mkdtempSync(join(tmpdir(), "gatehouse-first-start-"));
try {
  // The first start: no build to reuse (TURBO_FORCE: turbo's own cache does not answer either).
  rmSync(WEB_BUILD, { recursive: true, force: true });
  const first = await timedStart(home, { TURBO_FORCE: "true" });
  log(`first start: ${JSON.stringify(first)}`);
  const again = await timedStart(home, {});
  log(`second start: ${JSON.stringify(again)}`);
  const results = { machine, target: { consoleWithinSeconds: TARGET_SECONDS }, baseline: { ciBuildS }, first, again };
  recordResults("first-start", "FIRST-START", machine.date, results, (stamp) =>
    [
      "# A first `npm start`",
      "",
      `Latest run: \`npm run bench:first-start\` (${stamp}); raw numbers in \`bench/results/first-start-${stamp}.json\`.`,
      `Machine: ${machine.cpus} cores, ${machine.cpuModel}, Node ${machine.node}.`,
      "",
      "From the spawn of `npm start` on the embedded database with a new `GATEHOUSE_HOME` (`npm install` done):",
      "",
      "| | first start (no build yet) | second start (build kept) | target |",
      "|---|---|---|---|",
      `| the console's address answers (the holding page) | ${first.firstAnswerS} s | ${again.firstAnswerS} s | at once |`,
      `| the API answers | ${first.apiS} s | ${again.apiS} s | — |`,
      `| the console answers | ${first.consoleS} s | ${again.consoleS} s | ≤ ${TARGET_SECONDS} s |`,
      "",
      `Baseline in the same run: the console's build on its own (\`npm run build -w @gatehouse/web\`), from nothing: ${ciBuildS} s.`,
      "No build checks types (`npm run typecheck` does, with Next's route types; apps/web/next.config.ts); `npm start` builds it",
      "without an Edge copy of the server's start-up checks (apps/web/src/instrumentation.ts).",
      "",
    ].join("\n"),
  );
} finally {
  rmSync(home, { recursive: true, force: true });
}

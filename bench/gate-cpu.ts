// The API's own CPU time per governed decision (issue 46): what `gate()` / `execute()` cost the API process
// beyond the machine's floor. One agent, one call at a time, the body the SDK sends for a wrapped model call
// (`llm.openai.gpt-4o-mini` with its spend, a budget per agent and day on `llm.*`, an eventId and its
// idempotency-key header), every call's metadata different. The figure is the API process's CPU time
// (utime + stime from /proc) over the decisions it answered: the machine is shared, so wall time moves
// with whatever else runs, the process's own CPU much less.
//   npm run bench:gate-cpu -- <baseline checkout>   old and new side by side: an API from the baseline
//       checkout (`npm ci` done in it) and one from this checkout, each with its own database and org,
//       ROUNDS rounds of CALLS decisions each, the two in a new order every round; prints both rows and
//       the median of the rounds' CPU ratios (new ÷ old).
//   npm run bench:gate-cpu -- --profile <dir>       this checkout's API under `node --cpu-prof` for
//       ROUNDS × CALLS decisions; writes the main thread's profile to <dir>, and cut to the decisions' window
//       to <dir>/gate.cpuprofile, and prints its summary.
// Results: bench/GATE-CPU.md. Environment: BENCH_ROUNDS (6), BENCH_CALLS (500). Needs PostgreSQL (DATABASE_URL's server) and Redis.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { summarizeProfile, trimProfile, type CpuProfile } from "./cpu-profile";
import { abRounds, benchDatabase, freePort, log, redisUrl, root, waitFor } from "./lib";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const CALLS = Number(process.env.BENCH_CALLS ?? 500);
const WARMUP = 300;

interface Api {
  url: string;
  key: string;
  child: ChildProcess;
  drop: () => Promise<void>;
}

/** A database with the wrappers benchmark's org (bench/setup-wrappers.ts, run in `checkout`) and an API from `checkout` over it. */
async function startApi(checkout: string, nodeArgs: string[] = []): Promise<Api> {
  const database = await benchDatabase();
  const env = { ...process.env, DATABASE_URL: database.url, REDIS_URL: redisUrl, API_HOST: "127.0.0.1", LOG_LEVEL: "warn" };
  const setup = spawnSync("npx", ["tsx", "bench/setup-wrappers.ts"], { cwd: checkout, env, encoding: "utf8" });
  if (setup.status !== 0) throw new Error(`setup in ${checkout} failed: ${setup.stderr}`);
  const { agent } = JSON.parse(setup.stdout.trim().split("\n").pop() as string) as { agent: string };
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", "apps/api/src/main.ts"], {
    cwd: checkout,
    env: { ...env, API_PORT: String(port) },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/healthz`);
  return { url, key: agent, child, drop: database.drop };
}

async function stop(api: Api): Promise<void> {
  const exited = new Promise((r) => api.child.once("exit", r));
  api.child.kill("SIGTERM");
  await exited;
  await api.drop();
}

let n = 0;
/** `count` decisions one at a time, as the SDK's gate() sends them: the latencies and the wall time. */
async function gates(api: Api, count: number): Promise<{ latencies: number[]; ms: number }> {
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i += 1) {
    const eventId = randomUUID();
    const at = performance.now();
    const response = await fetch(`${api.url}/v1/actions`, {
      method: "POST",
      headers: { authorization: `Bearer ${api.key}`, "content-type": "application/json", "idempotency-key": eventId },
      body: JSON.stringify({
        actionType: "llm.openai.gpt-4o-mini",
        metadata: { provider: "openai", call: (n += 1) },
        eventId,
        spend: { model: "gpt-4o-mini", inputTokens: 60, maxOutputTokens: 200 },
      }),
    });
    const answer = (await response.json()) as { status?: string };
    if (response.status !== 200 || answer.status !== "executed") throw new Error(`decision answered ${response.status} ${JSON.stringify(answer)}`);
    latencies.push(performance.now() - at);
  }
  return { latencies, ms: performance.now() - started };
}

const load = () => loadavg().map((v) => Math.round(v * 100) / 100);

if (process.argv[2] === "--profile") {
  const dir = resolve(process.argv[3] ?? "bench/results/gate-profile");
  mkdirSync(dir, { recursive: true });
  const api = await startApi(root, ["--cpu-prof", `--cpu-prof-dir=${dir}`]);
  await gates(api, WARMUP);
  const from = Number(process.hrtime.bigint() / 1000n);
  const { latencies } = await gates(api, ROUNDS * CALLS);
  const to = Number(process.hrtime.bigint() / 1000n);
  await stop(api);
  const main = readdirSync(dir).find((name) => name.split(".")[4] === "0" && name.includes(`.${api.child.pid}.`));
  if (!main) throw new Error(`no main-thread profile in ${dir}`);
  const profile = trimProfile(JSON.parse(readFileSync(join(dir, main), "utf8")) as CpuProfile, from, to);
  writeFileSync(join(dir, "gate.cpuprofile"), JSON.stringify(profile));
  const summary = summarizeProfile(profile, 40);
  const busyMicros = summary.busySamples * summary.sampleIntervalMicros;
  console.log(JSON.stringify({ profile: join(dir, main), decisions: latencies.length, busyMicrosPerDecision: Math.round(busyMicros / latencies.length), ...summary }, null, 2));
} else {
  const baseline = process.argv[2];
  if (!baseline) throw new Error("usage: npm run bench:gate-cpu -- <baseline checkout> | --profile <dir>");
  log(`load at start: ${load().join(" ")}`);
  const apis = { old: await startApi(resolve(baseline)), new: await startApi(root) };
  try {
    for (const api of Object.values(apis)) await gates(api, WARMUP);
    const { rows, cpuRatio, rateRatio } = await abRounds({
      pid: apis.old.child.pid as number,
      pidOf: (variant) => apis[variant].child.pid as number,
      rounds: ROUNDS,
      variants: ["old", "new"] as const,
      batch: (variant) => gates(apis[variant], CALLS),
      variant: "new",
      baseline: "old",
    });
    console.log(JSON.stringify({ load: load(), rows, cpuRatio, rateRatio }, null, 2));
  } finally {
    await Promise.all(Object.values(apis).map(stop));
  }
}

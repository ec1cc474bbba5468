// Shared by the benchmark scripts: child processes, a throwaway database, percentiles and wrk.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

export const root = fileURLToPath(new URL("..", import.meta.url));
export const baseUrl = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
export const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
export const children: ChildProcess[] = [];
export const log = (line: string) => console.error(`[bench] ${line}`);

export function run(command: string, args: string[], env: Record<string, string> = {}): string {
  const result = spawnSync(command, args, { cwd: root, env: { ...process.env, ...env }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

/** `run`, without blocking the event loop (for two load generators at once): its standard output. */
export function runAsync(command: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(" ")} failed: ${err}`))));
  });
}

/**
 * Starts a long-running child (stopped by `stopChildren`). `env` adds to this process's environment; a
 * variable set to undefined is removed. With `output`, the child's standard output and error go to that
 * file (its log, to read afterwards); without, its output is dropped and its errors are shown.
 */
export function background(command: string, args: string[], env: Record<string, string | undefined>, output?: string): ChildProcess {
  const merged = Object.fromEntries(Object.entries({ ...process.env, ...env }).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const fd = output === undefined ? undefined : openSync(output, "a");
  const child = spawn(command, args, { cwd: root, env: merged, stdio: fd === undefined ? ["ignore", "ignore", "inherit"] : ["ignore", fd, fd] });
  if (fd !== undefined) closeSync(fd);
  children.push(child);
  return child;
}

/**
 * An API process on a free port, its output to `logFile`; more node flags in `nodeArgs`; with `cpus`, pinned to
 * those cores (`taskset -c`, which execs node: the child's pid is the API's).
 */
export async function startApi(
  env: Record<string, string | undefined>,
  logFile: string,
  nodeArgs: string[] = [],
  cpus?: string,
): Promise<{ url: string; child: ChildProcess; metricsUrl?: string }> {
  const port = await freePort();
  const node = [process.execPath, ...nodeArgs, "--import", "tsx", "apps/api/src/main.ts"];
  const [command, ...args] = cpus === undefined ? node : ["taskset", "-c", cpus, ...node];
  const child = background(command as string, args, { ...env, API_PORT: String(port) }, logFile);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/healthz`);
  return { url, child, ...(env.API_METRICS_PORT ? { metricsUrl: `http://127.0.0.1:${env.API_METRICS_PORT}/metrics` } : {}) };
}

/** A TCP port free on the loopback now (the kernel's choice). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 300; i += 1) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered`);
}

/** A fresh, migrated database next to DATABASE_URL's; `drop()` removes it. */
export async function benchDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const dbName = `gatehouse_bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const dbUrl = new URL(baseUrl);
  dbUrl.pathname = `/${dbName}`;
  const url = dbUrl.toString();
  run("npx", ["tsx", "packages/db/src/cli/migrate.ts"], { DATABASE_URL: url });
  return {
    url,
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => {});
      await admin.end();
    },
  };
}

export async function stopChildren(): Promise<void> {
  for (const child of children) child.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 1000));
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export interface Timing {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

/** Median, p95 and maximum of some durations (ms, two decimals). */
export function timing(values: readonly number[]): Timing {
  const sorted = [...values].sort((a, b) => a - b);
  const round2 = (v: number) => Math.round(v * 100) / 100;
  return { n: sorted.length, p50: round2(percentile(sorted, 50)), p95: round2(percentile(sorted, 95)), max: round2(sorted[sorted.length - 1] ?? 0) };
}

export function summarize(values: readonly number[]): { n: number; p50: number; p99: number; max: number; mean: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    n: sorted.length,
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1) ?? Number.NaN),
    mean: round(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)),
  };
}

/** What one wrk run reports. */
export interface Wrk {
  requestsPerSecond: number;
  requests: number;
  non2xx: number;
  p50ms: number;
  p99ms: number;
}

function toMs(text: string): number {
  const match = /([\d.]+)(us|ms|s)/.exec(text);
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  return match[2] === "us" ? value / 1000 : match[2] === "s" ? value * 1000 : value;
}

/** A wrk script that POSTs `body` as JSON with `key` as the bearer token. */
export const postLua = (key: string, body: object) =>
  `wrk.method = "POST"\nwrk.body = '${JSON.stringify(body)}'\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "Bearer ${key}"\n`;

/**
 * A POST whose `metadata.call` differs on every request (a per-thread counter), as an agent's calls
 * differ (with several keys, each request is the next key's): the same body sent thousands of times would be refused as a loop after 20 (docs/loops.md)
 * and measure the refusal instead. `body` must carry a `metadata` object.
 */
export const variedPostLua = (key: string | readonly string[], body: { metadata: object }) => {
  const template = JSON.stringify({ ...body, metadata: { ...body.metadata, call: "__CALL__" } });
  // Several keys: each request takes the next one (each thread starting at its own), as many agents' calls interleave.
  const keys = typeof key === "string" ? [key] : key;
  const rotate = keys.length > 1 ? `  wrk.headers["Authorization"] = "Bearer " .. keys[((counter + tonumber(thread_id)) % #keys) + 1]\n` : "";
  return `${postLua(keys[0] ?? "", body)}counter = 0
thread_id = "0"
keys = { ${keys.map((k) => `"${k}"`).join(", ")} }
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("thread_id", tostring(threads))
end
request = function()
  counter = counter + 1
${rotate}  local text = string.gsub('${template}', "__CALL__", thread_id .. "-" .. counter)
  return wrk.format(nil, nil, nil, text)
end
`;
};

let wrkScripts = 0;

/** wrk's arguments for `threads` threads, `connections` and `seconds` against `url`, with `lua` written to a file of its own (removed by `done`). */
function wrkArgs(url: string, connections: number, seconds: number, lua: string, threads: number): { args: string[]; done: () => void } {
  wrkScripts += 1;
  const script = join(tmpdir(), `gatehouse-bench-${process.pid}-${wrkScripts}.lua`);
  writeFileSync(script, lua);
  return { args: [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, "--latency", "-s", script, url], done: () => rmSync(script, { force: true }) };
}

/** What wrk's report says. The percentiles are read at a line's start: a thread-stats line can end in "50%" or "99%" too (its ± stdev share). */
function wrkReport(out: string): Wrk {
  return {
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    p50ms: toMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? ""),
    p99ms: toMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? ""),
  };
}

/** Runs wrk (2 threads, `connections`, `seconds`) with the Lua script `lua` against `url`, and reads its report. */
export function wrk(url: string, connections: number, seconds: number, lua: string): Wrk {
  const { args, done } = wrkArgs(url, connections, seconds, lua, 2);
  try {
    return wrkReport(run("wrk", args));
  } finally {
    done();
  }
}

/** `wrk` without blocking the event loop, so that several run at once; `threads` defaults to one; with `cpus`, pinned to those cores (taskset -c). */
export async function wrkAsync(url: string, connections: number, seconds: number, lua: string, threads = 1, cpus?: string): Promise<Wrk> {
  const { args, done } = wrkArgs(url, connections, seconds, lua, threads);
  try {
    return wrkReport(await (cpus === undefined ? runAsync("wrk", args) : runAsync("taskset", ["-c", cpus, "wrk", ...args])));
  } finally {
    done();
  }
}

/**
 * Records a benchmark's results: `bench/results/<name>-<stamp>.json` (stamp from `date`, an ISO time)
 * and its summary page `bench/<PAGE>.md`, and prints the results.
 */
export function recordResults(name: string, page: string, date: string, results: object, summary: (stamp: string) => string): void {
  mkdirSync("bench/results", { recursive: true });
  const stamp = date.replace(/[:.]/g, "-");
  writeFileSync(`bench/results/${name}-${stamp}.json`, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(`bench/${page}.md`, summary(stamp));
  console.log(JSON.stringify(results, null, 2));
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  node: string;
  date: string;
  loadavgAtStart: number[];
}

export interface BenchRun {
  machine: Machine;
  /** The throwaway database's URL, its connected client, and the env its services (setup scripts, API) run with. */
  database: { url: string };
  client: pg.Client;
  env: Record<string, string>;
}

/**
 * Runs a benchmark in a fresh migrated database with a throwaway home (its master key), a connected
 * client and the env for its services; stops every child process, drops the database and removes the
 * home afterwards, whatever happened.
 */
export async function benchRun(work: (run: BenchRun) => Promise<void>): Promise<void> {
  const round2 = (v: number) => Math.round(v * 100) / 100;
  const machine: Machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    node: process.version,
    date: new Date().toISOString(),
    loadavgAtStart: loadavg().map(round2),
  };
  log(`machine: ${JSON.stringify(machine)}`);
  const database = await benchDatabase();
  const client = new pg.Client({ connectionString: database.url });
  const home = mkdtempSync(join(tmpdir(), "gatehouse-bench-"));
  const env = { DATABASE_URL: database.url, REDIS_URL: redisUrl, API_HOST: "127.0.0.1", LOG_LEVEL: "warn", GATEHOUSE_HOME: home };
  try {
    await client.connect();
    await work({ machine, database, client, env });
  } finally {
    await client.end().catch(() => {});
    await stopChildren();
    await database.drop();
    rmSync(home, { recursive: true, force: true });
  }
}

/** The CPU time a process has used so far, in clock ticks (utime + stime from /proc): the figure least moved by what else the host runs. */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** What `abRounds` measured for one variant: decisions, the median round's rate, API CPU per decision, client latency. */
export interface VariantRow {
  decisions: number;
  decisionsPerSecond: number;
  cpuMicrosPerDecision: number;
  p50: number;
  p99: number;
}

/**
 * Runs `batch` for each variant once per round, in a new order every round, measuring the API process's
 * CPU (`pid`, from /proc) and each batch's rate and latencies. Answers a row per variant and, for
 * `variant` against `baseline`, the median of the rounds' rate ratios and CPU-per-decision ratios (each
 * round's pair ran side by side, so the ratio holds when the machine's speed drifts).
 */
export async function abRounds<V extends string>(args: {
  pid: number;
  /** The process whose CPU a variant's batch is charged to, when the variants run in processes of their own (default: `pid`). */
  pidOf?: (variant: V) => number;
  rounds: number;
  variants: readonly V[];
  batch: (variant: V) => Promise<{ latencies: number[]; ms: number }>;
  variant: V;
  baseline: V;
}): Promise<{ rows: Record<V, VariantRow>; rateRatio: number; cpuRatio: number }> {
  const round2 = (v: number) => Math.round(v * 100) / 100;
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  const hz = Number(run("getconf", ["CLK_TCK"]).trim());
  const seen = new Map<V, { ticks: number; n: number; latencies: number[]; rates: number[]; cpuPerRound: number[] }>();
  for (let round = 0; round < args.rounds; round += 1) {
    const order = args.variants.map((variant) => ({ variant, sort: Math.random() })).sort((a, b) => a.sort - b.sort);
    for (const { variant } of order) {
      const pid = args.pidOf?.(variant) ?? args.pid;
      const before = cpuTicks(pid);
      const { latencies, ms } = await args.batch(variant);
      const spent = cpuTicks(pid) - before;
      const slot = seen.get(variant) ?? { ticks: 0, n: 0, latencies: [], rates: [], cpuPerRound: [] };
      seen.set(variant, slot);
      slot.ticks += spent;
      slot.n += latencies.length;
      slot.latencies.push(...latencies);
      slot.rates.push((latencies.length / ms) * 1000);
      slot.cpuPerRound.push(spent / latencies.length);
    }
    log(`round ${round + 1}/${args.rounds}`);
  }
  const rows = Object.fromEntries(
    [...seen].map(([variant, s]) => {
      const sorted = [...s.latencies].sort((a, b) => a - b);
      const row: VariantRow = {
        decisions: s.n,
        decisionsPerSecond: round2(median(s.rates)),
        cpuMicrosPerDecision: round2((s.ticks / hz / s.n) * 1e6),
        p50: round2(percentile(sorted, 50)),
        p99: round2(percentile(sorted, 99)),
      };
      return [variant, row];
    }),
  ) as Record<V, VariantRow>;
  const of = (variant: V) => seen.get(variant) ?? { rates: [], cpuPerRound: [] };
  const rateRatio = round2(median(of(args.variant).rates.map((rate, i) => rate / (of(args.baseline).rates[i] ?? Number.NaN))));
  const cpuRatio = round2(median(of(args.variant).cpuPerRound.map((cpu, i) => cpu / (of(args.baseline).cpuPerRound[i] ?? Number.NaN))));
  return { rows, rateRatio, cpuRatio };
}

/**
 * `count` decisions (`POST /v1/actions` with `key`), `concurrency` at a time, each body made by
 * `body(i, worker)`; every answer must be 200 `executed` (and pass `check` when given): the latencies
 * and the wall time, for abRounds.
 */
export async function decisionBatch(args: {
  api: string;
  key: string;
  count: number;
  concurrency: number;
  body: (i: number, worker: number) => object;
  check?: (answer: Record<string, unknown>) => boolean;
}): Promise<{ latencies: number[]; ms: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: args.concurrency }, async (_, worker) => {
      for (let i = next++; i < args.count; i = next++) {
        const at = performance.now();
        const response = await fetch(`${args.api}/v1/actions`, {
          method: "POST",
          headers: { authorization: `Bearer ${args.key}`, "content-type": "application/json" },
          body: JSON.stringify(args.body(i, worker)),
        });
        const answer = (await response.json()) as Record<string, unknown>;
        if (response.status !== 200 || answer.status !== "executed" || (args.check && !args.check(answer))) {
          throw new Error(`decision answered ${response.status} ${JSON.stringify(answer)}`);
        }
        latencies.push(performance.now() - at);
      }
    }),
  );
  return { latencies, ms: performance.now() - started };
}

/** One row of an A/B benchmark's table: decisions, decisions/s, API CPU per decision, latency p50 / p99. */
export function variantTableRow(row: VariantRow, what: string): string {
  return `| ${what} | ${row.decisions} | ${row.decisionsPerSecond} | ${row.cpuMicrosPerDecision} | ${row.p50} / ${row.p99} |`;
}

/** About 1.4 KB of what agents send: a tool call's arguments and a ticket's text, with one secret, one email address or neither (bench/content.ts). */
export function ticketMetadata(kind: "clean" | "secret" | "email", i: number): Record<string, unknown> {
  const text =
    "The customer reports that the export button on the billing page does nothing since the last release. " +
    "Steps: open billing, choose March, press export; expected a CSV download, got no response and no error. " +
    "Browser console shows a 502 from the reports service. Priority: normal. Account tier: business. ";
  return {
    tool: "ticket.update",
    ticket: { id: 4512 + i, title: "Export button does nothing", status: "open", tags: ["billing", "export", "regression"], body: text.repeat(4) },
    args: { assignee: "team-billing", notify: true, priority: 3 },
    note: kind === "secret" ? `retry with token ghp_${"A1b2".repeat(9)}` : kind === "email" ? "reply to jane.doe@example.com" : "no reply needed",
  };
}

/** The `action.decided` entry the audit benchmarks append: an allowed `pr.open` of `agent`, its action numbered `i`. */
export function decidedEntry(i: number, agent: { id: string; name: string } = { id: "agt_benchbenchbenchbenchbe", name: "bench-agent" }) {
  const actionId = `act_${String(i).padStart(22, "0")}`;
  return {
    type: "action.decided" as const,
    actor: { type: "agent" as const, id: agent.id, delegationChain: [] },
    agentId: agent.id,
    subjectId: actionId,
    data: {
      actionId,
      agentName: agent.name,
      actionType: "pr.open",
      status: "executed" as const,
      policy: { name: "allow-pr", versionId: "pv_bench", version: 1 },
      mode: "enforce" as const,
      monitored: [],
      conditionsEvaluated: [],
      metadata: { repo: "acme/api", pr: i, files: 12 },
      dataAccessed: [],
      requestHash: "bench",
    },
  };
}

/** One kind's latency over every call of a run, in ms. */
export interface LatencyRow {
  calls: number;
  p50: number;
  p90: number;
  p99: number;
}

/**
 * Times `calls` in rounds, as the latency benchmarks do: first `warmup` calls of every kind (the caches and the JIT),
 * then in each round every kind is called `perRound` times, one call at a time, the kinds in a new random order each
 * round (so drift in the host's load falls on every kind alike). Answers every kind's row over the whole run and each
 * round's p50 per kind (for differences taken within a round).
 */
export async function timedRounds<K extends string>(
  calls: Record<K, () => Promise<unknown>>,
  rounds: number,
  perRound: number,
  warmup = 100,
): Promise<{ rows: Record<K, LatencyRow>; medians: Record<K, number[]> }> {
  const round2 = (v: number) => Math.round(v * 100) / 100;
  const kinds = Object.keys(calls) as K[];
  for (const kind of kinds) for (let i = 0; i < warmup; i += 1) await calls[kind]();
  const times = Object.fromEntries(kinds.map((kind) => [kind, [] as number[]])) as Record<K, number[]>;
  const medians = Object.fromEntries(kinds.map((kind) => [kind, [] as number[]])) as Record<K, number[]>;
  for (let round = 0; round < rounds; round += 1) {
    for (const { kind } of kinds.map((kind) => ({ kind, sort: Math.random() })).sort((a, b) => a.sort - b.sort)) {
      const mine: number[] = [];
      for (let i = 0; i < perRound; i += 1) {
        const started = performance.now();
        await calls[kind]();
        mine.push(performance.now() - started);
      }
      times[kind].push(...mine);
      medians[kind].push(
        percentile(
          [...mine].sort((a, b) => a - b),
          50,
        ),
      );
    }
    log(`round ${round + 1}/${rounds}`);
  }
  const rows = Object.fromEntries(
    kinds.map((kind) => {
      const sorted = [...times[kind]].sort((a, b) => a - b);
      return [kind, { calls: sorted.length, p50: round2(percentile(sorted, 50)), p90: round2(percentile(sorted, 90)), p99: round2(percentile(sorted, 99)) }];
    }),
  ) as Record<K, LatencyRow>;
  return { rows, medians };
}

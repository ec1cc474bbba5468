// `npm run bench:capacity` (issue 47, part 5): what one API process, one worker and one PostgreSQL core carry, and where
// one org's ceiling is (docs/adr/0043-one-orgs-ceiling-and-how-to-lift-it.md). Closed loop at saturation: wrk keeps
// `c` requests in flight and sends the next the moment one answers, so the rate it reaches is the most the system
// under test completes (a capacity), with the latency at that concurrency beside it; every point has its warm-up.
//   0. floors, same run: a bare node:http JSON echo (wrk -c64), a trivial PostgreSQL query (pgbench `SELECT 1`, one
//      client and 32), durable single-row inserts (pgbench, 32 clients);
//   1. decisions (`POST /v1/actions`, allowed, each with its audit entry) through ONE API process, for 16 agents of
//      ONE org (one log head) and for 16 orgs of one agent each (16 heads), at each concurrency of CONCURRENCY;
//      per point: the group commit's batches and their mean size (the API's gatehouse_audit_append_duration_seconds
//      count), how much of the time a transaction held a log head and how many waited on a lock (pg_stat_activity,
//      sampled every 10 ms), and the CPU split (API, PostgreSQL backends, the rest of the machine, from /proc);
//   2. the same at the highest concurrency through TWO API processes: one org's head is then locked by the two
//      processes' batches in turn, where each process serving 8 of the 16 orgs locks heads the other never takes;
//   3. approvals: gates (`svc1.merge`, size 100: one approval) created by agents of the 16 orgs through the SDK's
//      gate(), each approved by the org's operator over the API (`POST /v1/admin/approvals/:id/decision`) as soon as
//      it is requested, end to end (request → approval → the gate returning `executed`), APPROVAL_CONCURRENCY at once;
//   4. webhook deliveries by ONE worker to a loopback receiver that verifies every signature with `standardwebhooks`
//      (bench/webhook-receiver.ts): 8 orgs × 4 endpoints (the worker's 32 deliveries in flight), a backlog of
//      WEBHOOK_BACKLOG decisions delivered at once;
//   5. per PostgreSQL core: a private PostgreSQL 15 cluster (under DATA_DIR, default /var/tmp; removed afterwards)
//      pinned to core 0 with taskset, the API (and wrk) pinned to core 1: decisions/s for 16 orgs and for one, and
//      PostgreSQL's CPU per decision.
// Writes bench/results/capacity-<stamp>.json and bench/CAPACITY.md. Env: BENCH_SECONDS (6) per point, BENCH_WARMUP (2),
// CONCURRENCY (1,8,32,128), APPROVAL_CONCURRENCY (32), WEBHOOK_BACKLOG (2000), DATA_DIR, PG_BIN. Needs the local
// PostgreSQL and Redis, PostgreSQL 15's server binaries, wrk, pgbench and taskset.
import type { ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { Gatehouse } from "../packages/sdk/src/index.ts";
import { cluster, DEFAULT_PG_BIN, giveToClusterUser, pgBinary, writeClusterFile } from "../scripts/lib/postgres-cluster.ts";
import {
  background,
  benchRun,
  cpuTicks,
  decisionBatch,
  freePort,
  log,
  postLua,
  recordResults,
  run,
  startApi,
  summarize,
  variedPostLua,
  waitFor,
  wrk,
  wrkAsync,
  type Machine,
  type Wrk,
} from "./lib";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONCURRENCY = (process.env.CONCURRENCY ?? "1,8,32,128").split(",").map(Number);
const TOP = Math.max(...CONCURRENCY);
const APPROVAL_CONCURRENCY = Number(process.env.APPROVAL_CONCURRENCY ?? 32);
const WEBHOOK_BACKLOG = Number(process.env.WEBHOOK_BACKLOG ?? 2000);
const DATA_DIR = process.env.DATA_DIR ?? "/var/tmp";
const PG_BIN = process.env.PG_BIN ?? DEFAULT_PG_BIN;
const HZ = Number(run("getconf", ["CLK_TCK"]).trim());
/** The API's connections to PostgreSQL (DATABASE_POOL_SIZE, left at its default in this run). */
const POOL = 10;
const round2 = (v: number) => Math.round(v * 100) / 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const lastJson = <T>(out: string): T => JSON.parse(out.trim().split("\n").pop() as string) as T;
/** An allowed decision (bench/policies.ts), and one that needs an approval. */
const ALLOWED = { actionType: "svc1.read", metadata: { size: 10, env: "dev" } };
const NEEDS_APPROVAL = { actionType: "svc1.merge", metadata: { size: 100, env: "dev" } };

interface Setup {
  solo: { orgId: string; agentKeys: string[] };
  spread: Array<{ orgId: string; agentKey: string; adminKey: string }>;
  hooks: Array<{ orgId: string; agentKey: string }>;
  endpoints: Record<string, string>;
}

// ---- CPU, from /proc ----

/** A process and its children (PostgreSQL's postmaster and its backends). */
function withChildren(pid: number): number[] {
  const kids = readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
  return [pid, ...kids];
}

/** The machine's busy and total ticks, all cores (/proc/stat). */
function machineTicks(): { busy: number; total: number } {
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), total };
}

function ticksOf(pids: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    try {
      out.set(pid, cpuTicks(pid));
    } catch {
      // gone
    }
  }
  return out;
}

/** Cores used on average over a window, by part: what the API processes, PostgreSQL and the load generator used, and the machine as a whole. */
export interface CpuSplit {
  api: number;
  postgres: number;
  machine: number;
  /** The machine less the API and PostgreSQL: the load generator, Redis, this process and other work on the host. */
  rest: number;
}

/** Starts a CPU window over `api` pids and the PostgreSQL pids `pgPids()` names (asked at its start and its end); `end()` answers the split. */
async function cpuWindow(api: readonly number[], pgPids: () => Promise<number[]>): Promise<{ end: () => Promise<CpuSplit> }> {
  const started = performance.now();
  const machine0 = machineTicks();
  const api0 = ticksOf(api);
  const pg0 = ticksOf(await pgPids());
  return {
    end: async () => {
      const seconds = (performance.now() - started) / 1000;
      const machine1 = machineTicks();
      const spent = (before: Map<number, number>, after: Map<number, number>) => [...after].reduce((sum, [pid, t]) => sum + t - (before.get(pid) ?? t), 0);
      const apiCores = spent(api0, ticksOf(api)) / HZ / seconds;
      const pgNow = ticksOf(await pgPids());
      // A backend that appeared during the window counts from its start.
      const pgCores = [...pgNow].reduce((sum, [pid, t]) => sum + t - (pg0.get(pid) ?? 0), 0) / HZ / seconds;
      const cores = (machine1.total - machine0.total) / HZ / seconds;
      const machineCores = ((machine1.busy - machine0.busy) / (machine1.total - machine0.total)) * cores;
      return { api: round2(apiCores), postgres: round2(pgCores), machine: round2(machineCores), rest: round2(machineCores - apiCores - pgCores) };
    },
  };
}

/** The backends of `client`'s database other than its own: what the API processes (or the worker) hold open. */
async function backendPids(client: pg.Client): Promise<number[]> {
  return (await client.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)).rows.map((r) => r.pid);
}

// ---- the log heads, seen from PostgreSQL and from the API's metrics ----

/** Samples pg_stat_activity every 10 ms until `stop()`: how often a transaction held a log head, and how many waited on a lock. */
function sampleHeads(client: pg.Client): { stop: () => Promise<{ samples: number; headHeldShare: number; meanHolding: number; lockWaitShare: number; meanWaiting: number }> } {
  let running = true;
  let samples = 0;
  let held = 0;
  let holding = 0;
  let waited = 0;
  let waiting = 0;
  // Every decision transaction takes its org's head FOR UPDATE first (which gives it a transaction id): a backend of
  // this database with one is holding a head; one waiting on a lock is waiting for a head.
  const loop = (async () => {
    while (running) {
      const { rows } = await client.query<{ holding: string; waiting: string }>(
        `SELECT count(*) FILTER (WHERE backend_xid IS NOT NULL) AS holding, count(*) FILTER (WHERE wait_event_type = 'Lock') AS waiting
           FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      const h = Number(rows[0]?.holding ?? 0);
      const w = Number(rows[0]?.waiting ?? 0);
      samples += 1;
      holding += h;
      waiting += w;
      if (h > 0) held += 1;
      if (w > 0) waited += 1;
      await sleep(10);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      const share = (n: number) => round2(n / Math.max(1, samples));
      return { samples, headHeldShare: share(held), meanHolding: share(holding), lockWaitShare: share(waited), meanWaiting: share(waiting) };
    },
  };
}

/** The group commits' append statements so far, summed over the API processes' /metrics: how many, and their seconds. */
async function appends(metricsUrls: readonly string[]): Promise<{ count: number; seconds: number }> {
  let count = 0;
  let seconds = 0;
  for (const url of metricsUrls) {
    const text = await (await fetch(url)).text();
    count += Number(/^gatehouse_audit_append_duration_seconds_count (\S+)/m.exec(text)?.[1] ?? 0);
    seconds += Number(/^gatehouse_audit_append_duration_seconds_sum (\S+)/m.exec(text)?.[1] ?? 0);
  }
  return { count, seconds };
}

// ---- 1, 2, 5: decisions at saturation ----

interface Point {
  orgs: number;
  processes: number;
  connections: number;
  decisionsPerSecond: number;
  p50ms: number;
  p99ms: number;
  non2xx: number;
  auditEntries: number;
  batches: number;
  meanBatch: number;
  /** The share of the window the append statements took, summed over the processes (above 1 when they overlap). */
  appendShare: number;
  heads: Awaited<ReturnType<ReturnType<typeof sampleHeads>["stop"]>>;
  cpu: CpuSplit;
}

interface Target {
  apis: Array<{ url: string; pid: number; metricsUrl: string }>;
  client: pg.Client;
  pgPids: () => Promise<number[]>;
  /** wrk pinned to these cores (taskset -c), or anywhere. */
  wrkCpus?: string;
}

/** The keys each API process is sent (one list for all, or one per process). */
type Keys = ReadonlyArray<readonly string[]>;

/** wrk at `connections` split over the API processes, `seconds` long: 2 threads with one process, else 1 per process. */
async function drive(t: Target, keys: Keys, connections: number, seconds: number, tag: string): Promise<Wrk[]> {
  const lua = (i: number) => variedPostLua(keys[i % keys.length] as readonly string[], { ...ALLOWED, metadata: { ...ALLOWED.metadata, run: tag } });
  const each = Math.max(1, Math.floor(connections / t.apis.length));
  const threads = t.apis.length === 1 && t.wrkCpus === undefined && each > 1 ? 2 : 1;
  return Promise.all(t.apis.map((api, i) => wrkAsync(`${api.url}/v1/actions`, each, seconds, lua(i), threads, t.wrkCpus)));
}

async function headsSize(client: pg.Client): Promise<number> {
  return Number((await client.query<{ n: string }>(`SELECT coalesce(sum(size), 0)::text AS n FROM audit_log_heads`)).rows[0]?.n);
}

/**
 * A few decisions of every key through every API process, one at a time: an org's first decision in a process
 * loads and compiles its policies and a key's first is looked up, which no timed point should pay.
 */
async function prime(t: Target, keys: readonly string[]): Promise<void> {
  for (const api of t.apis) {
    for (const key of keys)
      await decisionBatch({ api: api.url, key, count: 3, concurrency: 1, body: (i) => ({ ...ALLOWED, metadata: { ...ALLOWED.metadata, call: `prime-${i}` } }) });
  }
}

/** One point: warm-up, then `SECONDS` at `connections`, measured. */
async function point(t: Target, keys: Keys, orgs: number, connections: number): Promise<Point> {
  const tag = `${orgs}x${t.apis.length}x${connections}`;
  await drive(t, keys, connections, WARMUP, `warm-${tag}`);
  const entries0 = await headsSize(t.client);
  const appends0 = await appends(t.apis.map((a) => a.metricsUrl));
  const cpu = await cpuWindow(
    t.apis.map((a) => a.pid),
    t.pgPids,
  );
  const heads = sampleHeads(t.client);
  const runs = await drive(t, keys, connections, SECONDS, tag);
  const sampled = await heads.stop();
  const split = await cpu.end();
  const appends1 = await appends(t.apis.map((a) => a.metricsUrl));
  const entries = (await headsSize(t.client)) - entries0;
  const requests = runs.reduce((s, r) => s + r.requests, 0);
  const non2xx = runs.reduce((s, r) => s + r.non2xx, 0);
  const batches = appends1.count - appends0.count;
  const p: Point = {
    orgs,
    processes: t.apis.length,
    connections,
    decisionsPerSecond: round2(runs.reduce((s, r) => s + r.requestsPerSecond, 0)),
    p50ms: Math.max(...runs.map((r) => r.p50ms)),
    p99ms: Math.max(...runs.map((r) => r.p99ms)),
    non2xx,
    auditEntries: entries,
    batches,
    meanBatch: round2(entries / Math.max(1, batches)),
    appendShare: round2((appends1.seconds - appends0.seconds) / SECONDS),
    heads: sampled,
    cpu: split,
  };
  // Every answered decision has its entry (the count also takes the entries of requests still in flight when wrk stopped).
  if (non2xx > 0 || entries < requests - non2xx) throw new Error(`${tag}: ${requests} requests, ${non2xx} not 2xx, ${entries} audit entries`);
  log(
    `  ${orgs === 1 ? "1 org " : `${orgs} orgs`} × ${t.apis.length} API, c${connections}: ${p.decisionsPerSecond}/s, p50 ${p.p50ms} ms, p99 ${p.p99ms} ms; ${batches} batches of ${p.meanBatch}; head held ${sampled.headHeldShare}, lock waits ${sampled.lockWaitShare}; cpu ${JSON.stringify(split)}`,
  );
  return p;
}

// ---- 3: approvals end to end ----

async function approvals(api: string, orgs: Setup["spread"], seconds: number): Promise<{ approvalsPerSecond: number; gates: number; latencyMs: ReturnType<typeof summarize> }> {
  let calls = 0;
  const latencies: number[] = [];
  const clients = orgs.map((org) => ({ org, gh: new Gatehouse({ apiKey: org.agentKey, baseUrl: api }) }));
  const decide = async (adminKey: string, approvalId: string) => {
    const response = await fetch(`${api}/v1/admin/approvals/${approvalId}/decision`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ decision: "approve" }),
    });
    if (response.status !== 200) throw new Error(`the operator's decision answered ${response.status}: ${await response.text()}`);
  };
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: APPROVAL_CONCURRENCY }, async (_, worker) => {
      const { org, gh } = clients[worker % clients.length] as (typeof clients)[number];
      while (performance.now() < until) {
        const at = performance.now();
        let decided: Promise<void> = Promise.reject(new Error("the gate was never requested"));
        decided.catch(() => {});
        const result = await gh.gate(NEEDS_APPROVAL.actionType, {
          metadata: { ...NEEDS_APPROVAL.metadata, call: (calls += 1) },
          onRequested: (requested) => {
            decided = decide(org.adminKey, requested.approvalId ?? "");
          },
        });
        await decided;
        if (result.status !== "executed") throw new Error(`a gate ended ${result.status}`);
        latencies.push(performance.now() - at);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return { approvalsPerSecond: round2(latencies.length / elapsed), gates: latencies.length, latencyMs: summarize(latencies) };
}

// ---- 4: webhook deliveries by one worker ----

async function webhooks(
  api: string,
  env: Record<string, string>,
  setup: Setup,
  client: pg.Client,
  receiverPort: number,
): Promise<{
  deliveries: number;
  seconds: number;
  deliveriesPerSecond: number;
  badSignatures: number;
  cpu: { worker: number; receiver: number; postgres: number; machine: number };
}> {
  const receiverUrl = `http://127.0.0.1:${receiverPort}`;
  const receiver = background(process.execPath, ["--import", "tsx", "bench/webhook-receiver.ts"], {
    RECEIVER_PORT: String(receiverPort),
    RECEIVER_SECRETS: JSON.stringify(setup.endpoints),
  });
  await waitFor(`${receiverUrl}/stats`);
  const endpointCount = Object.keys(setup.endpoints).length;
  const arrived = async () => {
    return (await (await fetch(`${receiverUrl}/count`)).json()) as { count: number; badSignatures: number };
  };
  const until = async (count: number, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = await arrived();
      if (now.count >= count) return now;
      if (Date.now() > deadline) throw new Error(`only ${now.count} of ${count} webhook messages arrived`);
      await sleep(20);
    }
  };
  const worker = background(process.execPath, ["--import", "tsx", "apps/worker/src/main.ts"], env);
  const settled = async () => {
    await sleep(500);
    return (await arrived()).count;
  };
  const perOrg = (count: number) =>
    Promise.all(
      setup.hooks.map((org) => decisionBatch({ api, key: org.agentKey, count, concurrency: 4, body: (i) => ({ ...ALLOWED, metadata: { ...ALLOWED.metadata, call: `w${i}` } }) })),
    );
  // Warm-up: every endpoint gets some messages with the worker running.
  await perOrg(25);
  await until(25 * endpointCount, 120_000);
  const before = await settled();
  // The backlog, made while the endpoints are paused (in the database, as a pause by the API does), then resumed at once.
  const ids = setup.hooks.map((h) => h.orgId);
  await client.query("UPDATE webhook_endpoints SET enabled = false WHERE org_id = ANY($1)", [ids]);
  await sleep(500);
  const each = Math.ceil(WEBHOOK_BACKLOG / setup.hooks.length);
  await perOrg(each);
  const expected = before + each * endpointCount;
  const pgPids = () => backendPids(client);
  const machine0 = machineTicks();
  const w0 = cpuTicks(worker.pid as number);
  const r0 = cpuTicks(receiver.pid as number);
  const pg0 = ticksOf(await pgPids());
  const resumed = performance.now();
  await client.query("UPDATE webhook_endpoints SET enabled = true WHERE org_id = ANY($1)", [ids]);
  const done = await until(expected, 600_000);
  const seconds = (performance.now() - resumed) / 1000;
  const machine1 = machineTicks();
  const pgSpent = [...ticksOf(await pgPids())].reduce((sum, [pid, t]) => sum + t - (pg0.get(pid) ?? 0), 0);
  const cores = (ticks: number) => round2(ticks / HZ / seconds);
  const deliveries = each * endpointCount;
  worker.kill("SIGTERM");
  receiver.kill("SIGTERM");
  return {
    deliveries,
    seconds: round2(seconds),
    deliveriesPerSecond: round2(deliveries / seconds),
    badSignatures: done.badSignatures,
    cpu: {
      worker: cores(cpuTicks(worker.pid as number) - w0),
      receiver: cores(cpuTicks(receiver.pid as number) - r0),
      postgres: cores(pgSpent),
      machine: round2(((machine1.busy - machine0.busy) / (machine1.total - machine0.total)) * ((machine1.total - machine0.total) / HZ / seconds)),
    },
  };
}

// ---- 5: one PostgreSQL core ----

interface PerCore {
  settings: string[];
  points: Point[];
}

async function perPostgresCore(env: Record<string, string>): Promise<PerCore> {
  const dir = join(DATA_DIR, `gatehouse-capacity-${Date.now()}`);
  const port = await freePort();
  const server = cluster({ name: "capacity", bin: PG_BIN, data: join(dir, "data"), port, logFile: join(dir, "server.log") });
  // Durable commits (the defaults), a cache big enough for the run.
  const settings = [`port = ${port}`, "listen_addresses = '127.0.0.1'", "shared_buffers = '512MB'", "max_connections = 100"];
  const apis: ChildProcess[] = [];
  try {
    mkdirSync(dir, { recursive: true });
    giveToClusterUser(dir);
    await pgBinary(PG_BIN, "initdb", ["-D", server.data, "-A", "trust", "-U", "postgres", "-E", "UTF8"]);
    writeClusterFile(join(server.data, "postgresql.auto.conf"), `${settings.join("\n")}\n`);
    await server.start();
    const postmaster = Number((readFileSync(join(server.data, "postmaster.pid"), "utf8").split("\n")[0] ?? "").trim());
    // Core 0 for the postmaster and what it has started; the backends it forks later inherit it.
    for (const pid of withChildren(postmaster)) run("taskset", ["-a", "-p", "-c", "0", String(pid)]);
    await server.query("CREATE DATABASE gatehouse");
    const url = server.url.replace(/\/postgres$/, "/gatehouse");
    const local = { ...env, DATABASE_URL: url };
    run("npx", ["tsx", "packages/db/src/cli/migrate.ts"], local);
    const setup = lastJson<Setup>(run("npx", ["tsx", "bench/setup-capacity.ts"], { ...local, AGENTS: "16", SPREAD: "16" }));
    const metricsPort = await freePort();
    const api = await startApi({ ...local, API_METRICS_PORT: String(metricsPort) }, join(dir, "api.log"), [], "1");
    apis.push(api.child);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const t: Target = {
        apis: [{ url: api.url, pid: api.child.pid as number, metricsUrl: api.metricsUrl as string }],
        client,
        pgPids: async () => withChildren(postmaster),
        wrkCpus: "1",
      };
      await prime(t, [...setup.spread.map((s) => s.agentKey), ...setup.solo.agentKeys]);
      log("per PostgreSQL core: 16 orgs, then one org");
      const points = [await point(t, [setup.spread.map((s) => s.agentKey)], setup.spread.length, TOP), await point(t, [setup.solo.agentKeys], 1, TOP)];
      return { settings, points };
    } finally {
      await client.end();
    }
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${server.logTail()}`);
  } finally {
    for (const child of apis) child.kill("SIGTERM");
    await sleep(1000);
    await server.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- the run ----

interface Results {
  machine: Machine & { loadavgAtEnd: number[]; postgres: string };
  settings: { SECONDS: number; WARMUP: number; CONCURRENCY: number[]; APPROVAL_CONCURRENCY: number; WEBHOOK_BACKLOG: number; spreadOrgs: number; soloAgents: number };
  floors: { nodeHttpEcho: Wrk; pgSelect1OneClient: number; pgSelect1Clients32: number; pgInsertClients32: number };
  decisions: { solo: Point[]; spread: Point[]; twoProcesses: { solo: Point; spread: Point } };
  approvals: Awaited<ReturnType<typeof approvals>> & { cpu: CpuSplit };
  webhooks: Awaited<ReturnType<typeof webhooks>>;
  perPostgresCore: PerCore;
}

function pgbench(url: string, clients: number, sql: string, file: string): number {
  writeFileSync(file, `${sql}\n`);
  const out = run("pgbench", ["-n", "-c", String(clients), "-j", String(Math.min(2, clients)), "-T", String(SECONDS), "-f", file, url]);
  return Math.round(Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? 0));
}

async function measure(): Promise<void> {
  await benchRun(async ({ machine, database, client, env }) => {
    const home = env.GATEHOUSE_HOME as string;
    const receiverPort = await freePort();
    const serviceEnv = { ...env, GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE: "1" };
    log("setting up the orgs");
    const setup = lastJson<Setup>(run("npx", ["tsx", "bench/setup-capacity.ts"], { ...serviceEnv, RECEIVER_URL: `http://127.0.0.1:${receiverPort}` }));

    log("floors: node:http echo, PostgreSQL SELECT 1 and inserts");
    const echoPort = await freePort();
    background(process.execPath, ["--import", "tsx", "bench/echo-server.ts", String(echoPort)], {});
    await waitFor(`http://127.0.0.1:${echoPort}/`);
    wrk(`http://127.0.0.1:${echoPort}/`, 64, WARMUP, postLua("x", ALLOWED));
    const echo = wrk(`http://127.0.0.1:${echoPort}/`, 64, SECONDS, postLua("x", ALLOWED));
    await client.query("CREATE TABLE bench_insert (id bigserial PRIMARY KEY, payload text NOT NULL)");
    const sqlFile = join(home, "pgbench.sql");
    const floors = {
      nodeHttpEcho: echo,
      pgSelect1OneClient: pgbench(database.url, 1, "SELECT 1;", sqlFile),
      pgSelect1Clients32: pgbench(database.url, 32, "SELECT 1;", sqlFile),
      pgInsertClients32: pgbench(database.url, 32, "INSERT INTO bench_insert (payload) VALUES ('decision');", sqlFile),
    };
    log(`  ${JSON.stringify({ echo: echo.requestsPerSecond, select1: floors.pgSelect1OneClient, select1x32: floors.pgSelect1Clients32, insert: floors.pgInsertClients32 })}`);

    const ports = [await freePort(), await freePort()];
    const a = await startApi({ ...serviceEnv, API_METRICS_PORT: String(ports[0]) }, join(home, "api-a.log"));
    const b = await startApi({ ...serviceEnv, API_METRICS_PORT: String(ports[1]) }, join(home, "api-b.log"));
    const target = (list: Array<typeof a>): Target => ({
      apis: list.map((x) => ({ url: x.url, pid: x.child.pid as number, metricsUrl: x.metricsUrl as string })),
      client,
      pgPids: () => backendPids(client),
    });
    const spreadKeys = setup.spread.map((s) => s.agentKey);
    await prime(target([a, b]), [...spreadKeys, ...setup.solo.agentKeys]);
    const spread: Point[] = [];
    const solo: Point[] = [];
    log(`decisions through one API process: 16 orgs and one org, at ${CONCURRENCY.join(", ")}`);
    for (const c of CONCURRENCY) {
      spread.push(await point(target([a]), [spreadKeys], setup.spread.length, c));
      solo.push(await point(target([a]), [setup.solo.agentKeys], 1, c));
    }
    log(`decisions through two API processes at ${TOP}`);
    // 16 orgs: each process serves 8 of them (no head is locked by both); one org: both processes serve it.
    const half = Math.ceil(spreadKeys.length / 2);
    const twoProcesses = {
      spread: await point(target([a, b]), [spreadKeys.slice(0, half), spreadKeys.slice(half)], setup.spread.length, TOP),
      solo: await point(target([a, b]), [setup.solo.agentKeys], 1, TOP),
    };
    b.child.kill("SIGTERM");

    log(`approvals end to end through one API process, ${APPROVAL_CONCURRENCY} gates at once`);
    await approvals(a.url, setup.spread, WARMUP);
    const approvalCpu = await cpuWindow([a.child.pid as number], target([a]).pgPids);
    const approvalResults = { ...(await approvals(a.url, setup.spread, SECONDS * 2)), cpu: await approvalCpu.end() };
    log(`  ${approvalResults.approvalsPerSecond}/s (${approvalResults.gates} gates), p50 ${approvalResults.latencyMs.p50} ms`);

    log(`webhook deliveries by one worker: ${Object.keys(setup.endpoints).length} endpoints over ${setup.hooks.length} orgs, a backlog of ${WEBHOOK_BACKLOG} decisions`);
    const webhookResults = await webhooks(a.url, serviceEnv, setup, client, receiverPort);
    log(`  ${webhookResults.deliveriesPerSecond}/s (${webhookResults.deliveries} in ${webhookResults.seconds} s)`);
    a.child.kill("SIGTERM");
    await sleep(1000);

    const perCore = await perPostgresCore(serviceEnv);
    const results: Results = {
      machine: { ...machine, loadavgAtEnd: loadavg().map(round2), postgres: run("psql", ["--version"]).trim() },
      settings: { SECONDS, WARMUP, CONCURRENCY, APPROVAL_CONCURRENCY, WEBHOOK_BACKLOG, spreadOrgs: setup.spread.length, soloAgents: setup.solo.agentKeys.length },
      floors,
      decisions: { solo, spread, twoProcesses },
      approvals: approvalResults,
      webhooks: webhookResults,
      perPostgresCore: perCore,
    };
    recordResults("capacity", "CAPACITY", machine.date, results, (stamp) => page(results, stamp));
  });
}

/** What one point says per decision: the API's and PostgreSQL's CPU (µs), and for one org's head the time each batch held it (ms). */
function perDecision(p: Point): { apiMicros: number; pgMicros: number; holdMs: number } {
  return {
    apiMicros: Math.round((p.cpu.api * 1e6) / p.decisionsPerSecond),
    pgMicros: Math.round((p.cpu.postgres * 1e6) / p.decisionsPerSecond),
    holdMs: round2((p.heads.headHeldShare * SECONDS * 1000) / Math.max(1, p.batches)),
  };
}

const best = (points: readonly Point[]): Point => points.reduce((a, b) => (b.decisionsPerSecond > a.decisionsPerSecond ? b : a));
const n0 = (v: number) => Math.round(v).toLocaleString("en");

function page(r: Results, stamp: string): string {
  const spread = best(r.decisions.spread);
  const solo = best(r.decisions.solo);
  const two = r.decisions.twoProcesses;
  const [coreSpread, coreSolo] = r.perPostgresCore.points as [Point, Point];
  const perCore = (p: Point) => n0(p.decisionsPerSecond / Math.max(0.01, p.cpu.postgres));
  // One org's head: the time a batch held it, against the batch's size, from the one-process points (one holder at a time).
  const soloLine = r.decisions.solo.map((p) => ({ size: p.meanBatch, hold: perDecision(p).holdMs }));
  const small = soloLine.reduce((a, b) => (b.size < a.size ? b : a));
  const large = soloLine.reduce((a, b) => (b.size > a.size ? b : a));
  const perEntryMs = large.size > small.size ? Math.max(0.001, (large.hold - small.hold) / (large.size - small.size)) : Number.NaN;
  const fixedMs = Math.max(0, small.hold - perEntryMs * small.size);
  const fullBatch = 256;
  const headCeiling = fullBatch / ((fixedMs + perEntryMs * fullBatch) / 1000);
  const row = (p: Point) => {
    const d = perDecision(p);
    return `| ${p.connections} | ${n0(p.decisionsPerSecond)} | ${p.p50ms} / ${p.p99ms} | ${p.batches} × ${p.meanBatch} | ${p.heads.headHeldShare} | ${p.heads.lockWaitShare} | ${p.cpu.api} / ${p.cpu.postgres} / ${p.cpu.rest} | ${d.apiMicros} / ${d.pgMicros} |`;
  };
  const header = `| c | decisions/s | p50 / p99 ms | batches × mean size | head held | lock waits | cores: API / PG / rest | CPU µs per decision: API / PG |
|---:|---:|---|---|---:|---:|---|---|`;
  const m = r.machine;
  return `# Capacity: decisions, approvals and webhook deliveries per API process, per worker and per PostgreSQL core

Latest run: \`npm run bench:capacity\` (bench/capacity.ts, ${stamp}); raw numbers in \`bench/results/capacity-${stamp}.json\`.
The page is written from that file (\`npx tsx bench/capacity.ts --page bench/results/capacity-${stamp}.json\` writes it again).
What the numbers mean for one org, and how its ceiling would be lifted: docs/adr/0043-one-orgs-ceiling-and-how-to-lift-it.md.

**Machine**: ${m.cpus} cores (${m.cpuModel}), Node ${m.node}, ${m.postgres}, Redis local. Everything — wrk, the API processes,
the worker, the webhook receiver, PostgreSQL, Redis and this script — shares these 2 cores, and the machine is shared
with other work today (other engineers' type checks and test runs): load average ${m.loadavgAtStart.join(" ")} at the
start, ${m.loadavgAtEnd.join(" ")} at the end. The column "rest" in the tables is the cores used by neither the API nor
PostgreSQL's backends: wrk, Redis, this process, and that other work. Read every figure as a floor of what a
dedicated machine gives, and the CPU per decision (measured per process from /proc, so least moved by neighbours) as
the figure to size with. Run at most twice in a session: two runs the same hour differ by a quarter or more in their
rates, so read the ratios and the CPU per decision before the rates.

**Method.** Closed loop at saturation: wrk keeps \`c\` requests in flight and sends the next the moment one answers,
so the rate it reaches is the most the system completes at that concurrency — a capacity — with the latency at that
concurrency beside it. (An open loop at a fixed rate answers a different question, latency at a given load, and
needs the capacity first: bench/FLOORS.md runs one at half the capacity.) Each point: ${r.settings.WARMUP} s of warm-up at the same
concurrency, then ${r.settings.SECONDS} s measured; before the first point every key made a few decisions through every API
process, so no point pays an org's first policy compile. A decision is \`POST /v1/actions\` for \`svc1.read\` under the
100-policy set of bench/policies.ts, allowed, each with its audit entry (checked: entries written ≥ answers), each call's
metadata different (docs/loops.md). "16 orgs" is 16 orgs with one agent each (16 log heads); "1 org" is 16 agents of one
org (one log head); wrk rotates the keys request by request. Per point, from the API's own
\`gatehouse_audit_append_duration_seconds\` count: the group commit's batches and their mean size; from
pg_stat_activity sampled every 10 ms: "head held", the share of samples in which a transaction of the database held
a log head (every decision transaction locks its org's head first, which gives it a transaction id), and "lock
waits", the share in which one waited on a lock; from /proc: the cores each part used.

## The numbers

| what | result | what limits it here |
|---|---|---|
| decisions/s, **one API process**, 16 orgs | **${n0(spread.decisionsPerSecond)}/s** (c${spread.connections}; p50 ${spread.p50ms} ms, p99 ${spread.p99ms} ms) | commits: each org has few decisions in flight, so batches stay small (${spread.meanBatch} at c${spread.connections}) and every few decisions pay a whole transaction on one of the process's ${POOL} connections; ${perDecision(spread).apiMicros} µs of API CPU and ${perDecision(spread).pgMicros} µs of PostgreSQL CPU per decision, on the ${spread.cpu.api} cores the API got |
| decisions/s, **one org**, one API process | **${n0(solo.decisionsPerSecond)}/s** (c${solo.connections}; p50 ${solo.p50ms} ms, p99 ${solo.p99ms} ms) | the API process's share of the CPU (${solo.cpu.api} cores; ${perDecision(solo).apiMicros} µs per decision), not the head: batches of ${solo.meanBatch} share one commit, and the head was held ${Math.round(solo.heads.headHeldShare * 100)} % of the time |
| one org ÷ 16 orgs, one process, c${TOP} | **${round2((r.decisions.solo.at(-1) as Point).decisionsPerSecond / (r.decisions.spread.at(-1) as Point).decisionsPerSecond)}** | one org's load forms larger batches: fewer commits per decision |
| decisions/s, **two API processes**, 16 orgs (8 each) | **${n0(two.spread.decisionsPerSecond)}/s** (p99 ${two.spread.p99ms} ms) | the machine's 2 cores (${two.spread.cpu.machine} in use; API ${two.spread.cpu.api}, PostgreSQL ${two.spread.cpu.postgres}) |
| decisions/s, two API processes, **one org** | **${n0(two.solo.decisionsPerSecond)}/s** (÷ 16 orgs: ${round2(two.solo.decisionsPerSecond / two.spread.decisionsPerSecond)}; p99 ${two.solo.p99ms} ms) | the org's head: the two processes' batches take it in turn, so a backend waited on its lock in ${Math.round(two.solo.heads.lockWaitShare * 100)} % of samples (16 orgs: ${Math.round(two.spread.heads.lockWaitShare * 100)} %), and the head was held ${Math.round(two.solo.heads.headHeldShare * 100)} % of the time |
| **one org's head**, extrapolated to full batches of ${fullBatch} | **about ${n0(headCeiling)} decisions/s** | a batch held the head ${small.hold} ms at ${small.size} entries and ${large.hold} ms at ${large.size}: ${round2(perEntryMs * 1000)} µs more per entry, which on this machine includes the API's event loop serving other requests between the batch's statements; see the ADR |
| approvals/s end to end, one API process | **${r.approvals.approvalsPerSecond}/s** (${r.approvals.gates} gates, ${r.settings.APPROVAL_CONCURRENCY} at once; p50 ${r.approvals.latencyMs.p50} ms, p99 ${r.approvals.latencyMs.p99} ms) | the API's CPU: each approval is a decision, the SDK's shared long-polls re-issued as gates join and leave, the operator's vote and the wake-up — ${n0((r.approvals.cpu.api * 1e6) / r.approvals.approvalsPerSecond)} µs of API CPU and ${n0((r.approvals.cpu.postgres * 1e6) / r.approvals.approvalsPerSecond)} µs of PostgreSQL CPU per approval (API ${r.approvals.cpu.api} cores, PostgreSQL ${r.approvals.cpu.postgres}) |
| webhook deliveries/s, one worker | **${n0(r.webhooks.deliveriesPerSecond)}/s** (${r.webhooks.deliveries} deliveries to 32 endpoints in ${r.webhooks.seconds} s; bad signatures ${r.webhooks.badSignatures}) | the worker's CPU (${r.webhooks.cpu.worker} cores: ${n0((r.webhooks.cpu.worker * 1e6) / r.webhooks.deliveriesPerSecond)} µs per delivery, signing, sending and logging it); 32 endpoints, one message at a time each (the worker's default of 32 in flight); receiver ${r.webhooks.cpu.receiver} cores, PostgreSQL ${r.webhooks.cpu.postgres} |
| decisions/s with PostgreSQL on **one core** (taskset -c 0), API and wrk on the other, 16 orgs | **${n0(coreSpread.decisionsPerSecond)}/s**, PostgreSQL at ${coreSpread.cpu.postgres} of its core, API ${coreSpread.cpu.api} of the other | the API's core (shared with wrk and the other work), not PostgreSQL's; PostgreSQL — every process of the cluster, WAL writer, checkpointer and autovacuum included — spent ${perDecision(coreSpread).pgMicros} µs per decision at batches of ${coreSpread.meanBatch}: **about ${perCore(coreSpread)} decisions/s per PostgreSQL core** |
| the same, one org | **${n0(coreSolo.decisionsPerSecond)}/s**, PostgreSQL at ${coreSolo.cpu.postgres} of its core, API ${coreSolo.cpu.api} | the same; ${perDecision(coreSolo).pgMicros} µs of PostgreSQL per decision at batches of ${coreSolo.meanBatch}: **about ${perCore(coreSolo)} decisions/s per PostgreSQL core** |
| floor: bare node:http JSON echo (wrk -c64) | ${n0(r.floors.nodeHttpEcho.requestsPerSecond)}/s | — |
| floor: PostgreSQL \`SELECT 1\` (pgbench, 1 client / 32) | ${n0(r.floors.pgSelect1OneClient)} / ${n0(r.floors.pgSelect1Clients32)} per s | — |
| floor: durable single-row inserts (pgbench, 32 clients) | ${n0(r.floors.pgInsertClients32)}/s | — |

## Per core, for sizing

What one core of each part carries, from the CPU each used per unit in this run (a core's second divided by the
CPU per unit; the rate a dedicated core would reach if nothing else bound it):

| part | many quiet orgs (16 orgs, c${TOP}) | one busy org (c${TOP}) |
|---|---:|---:|
| API process: decisions per core-second | ${n0(1e6 / perDecision(r.decisions.spread.at(-1) as Point).apiMicros)} | ${n0(1e6 / perDecision(r.decisions.solo.at(-1) as Point).apiMicros)} |
| PostgreSQL (the private cluster, all its processes): decisions per core-second | ${perCore(coreSpread)} | ${perCore(coreSolo)} |
| API process: approvals end to end per core-second | ${n0(r.approvals.approvalsPerSecond / Math.max(0.01, r.approvals.cpu.api))} | — |
| worker: webhook deliveries per core-second | ${n0(r.webhooks.deliveriesPerSecond / Math.max(0.01, r.webhooks.cpu.worker))} | — |

## Decisions against concurrency, one API process

16 orgs (16 heads):

${header}
${r.decisions.spread.map(row).join("\n")}

One org (one head; 16 agents):

${header}
${r.decisions.solo.map(row).join("\n")}

Two API processes, c${TOP} split between them (one wrk each):

${header.replace("| c |", "| orgs |")}
${[two.spread, two.solo].map((p) => row({ ...p, connections: p.orgs })).join("\n")}

With one org in one process, at most one transaction holds the head at a time (the process queues the org's
decisions and commits them in batches of up to ${fullBatch}), so "head held" is the share of time the head was locked; with
16 orgs it is the share of time any head was. PostgreSQL on one core (the private cluster, settings: ${r.perPostgresCore.settings.slice(2).join(", ")}):

${header}
${r.perPostgresCore.points.map((p) => row({ ...p, connections: p.connections })).join("\n")}

## Approvals and webhooks

- Approvals: ${r.settings.APPROVAL_CONCURRENCY} gates at once over the 16 orgs (two per org), each \`gate()\` of the SDK answered \`requested\`, its
  approval approved by the org's owner over \`POST /v1/admin/approvals/:id/decision\` as soon as it was requested, and the
  gate returning \`executed\`: ${r.approvals.gates} gates in ${r.settings.SECONDS * 2} s. Cores: API ${r.approvals.cpu.api}, PostgreSQL ${r.approvals.cpu.postgres}, rest ${r.approvals.cpu.rest} (the load generator runs the SDK in this process).
  An approval costs the API and PostgreSQL each an order of magnitude more CPU than a decision; where it goes (the
  request's decision, the shared long-polls the SDK re-issues as gates join and leave, the vote's transaction, the
  wake-up) was not profiled here.
- Webhooks: 8 orgs with 4 endpoints each on a loopback receiver (bench/webhook-receiver.ts, which verifies every
  message with the \`standardwebhooks\` package); the endpoints paused while ${r.settings.WEBHOOK_BACKLOG} decisions were made, then resumed at
  once; from the resume until the receiver had all ${r.webhooks.deliveries}: ${r.webhooks.seconds} s. Cores: worker ${r.webhooks.cpu.worker},
  receiver ${r.webhooks.cpu.receiver}, PostgreSQL ${r.webhooks.cpu.postgres}, machine ${r.webhooks.cpu.machine}. bench/WEBHOOKS.md's backlog (3 endpoints of one
  org, 3,000 messages each, on a machine at load 1) delivered faster per second; this one spreads fewer messages
  over 32 endpoints on a machine whose cores were full, and which of the two makes the difference was not measured.

## The command

\`\`\`
npm run bench:capacity
\`\`\`

About five minutes with the defaults: BENCH_SECONDS (6) per point, BENCH_WARMUP (2), CONCURRENCY (1,8,32,128),
APPROVAL_CONCURRENCY (32), WEBHOOK_BACKLOG (2000), DATA_DIR (/var/tmp, the private cluster's data, removed afterwards),
PG_BIN (/usr/lib/postgresql/15/bin). Needs the local PostgreSQL and Redis, PostgreSQL 15's server binaries, wrk
(\`apt-get install wrk\`), pgbench and taskset. Check \`uptime\` first: on a machine busy with other work the figures say
more about the neighbours than about Gatehouse.
`;
}

async function main(): Promise<void> {
  const [flag, file] = process.argv.slice(2);
  if (flag !== "--page") return measure();
  if (!file) throw new Error("usage: capacity.ts --page bench/results/capacity-<stamp>.json");
  const stamp = /capacity-(.+)\.json$/.exec(file)?.[1] ?? "unknown";
  writeFileSync("bench/CAPACITY.md", page(JSON.parse(readFileSync(file, "utf8")) as Results, stamp));
}

await main();

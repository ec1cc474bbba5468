// `npm run bench:delegation`: issue 14's two benchmarks, each with its baseline measured in the same run.
//  1. Durable decisions (`POST /v1/actions`, wrk) by a depth-5 delegate against its root agent, one API
//     process, interleaved root, delegate, root, delegate … (BENCH_ROUNDS pairs of BENCH_SECONDS each);
//     target: delegate ≥ 0.9× the root's rate (median of the pairs' ratios).
//  2. Revocation reach across two API processes (one database, one Redis): a tree of 1,111 delegations
//     (1 under the root agent, 10 under it, 10 under each, 10 under each: depth 4) is built through A,
//     pollers call B with leaves' keys in a tight loop, the top delegation is revoked through A, and the
//     time from the revoke's commit to B's first refused answer is recorded; BENCH_REVOKE_RUNS fresh
//     trees. Baseline, interleaved run by run: revoking one agent key (`DELETE /v1/admin/keys/:id`).
//     Target: p99 ≤ 1 s.
// Needs PostgreSQL (DATABASE_URL's server), Redis (REDIS_URL) and wrk, like `npm run bench`.
// Writes bench/results/delegation-<timestamp>.json and bench/DELEGATION.md.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import pg from "pg";
import { background, benchDatabase, log, redisUrl, run, stopChildren, summarize, variedPostLua, waitFor, wrk, type Wrk } from "./lib";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const REVOKE_RUNS = Number(process.env.BENCH_REVOKE_RUNS ?? 20);
const FANOUT = Number(process.env.BENCH_TREE_FANOUT ?? 10);
const POLLED_LEAVES = Number(process.env.BENCH_POLLED_LEAVES ?? 4);
const CONNECTIONS = 128;

interface Setup {
  orgId: string;
  agentId: string;
  agentKey: string;
  adminKey: string;
}

// Each call differs (metadata.call): the same body again and again is a loop (docs/loops.md).
const wrkPost = (url: string, seconds: number, key: string) => wrk(url, CONNECTIONS, seconds, variedPostLua(key, ACTION));

const nowMs = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round2 = (v: number) => Math.round(v * 100) / 100;

async function call(method: string, url: string, key: string, body?: object): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

let createRetries = 0;
const BUILD_CONCURRENCY = Number(process.env.BENCH_BUILD_CONCURRENCY ?? 4);

interface Created {
  id: string;
  key: string;
}

async function delegate(api: string, parentKey: string, name: string, capabilities: string[], ttlSeconds: number): Promise<Created> {
  let { status, json } = await call("POST", `${api}/v1/delegations`, parentKey, { name, capabilities, ttlSeconds });
  // Creates queue on the org's log lock; on a busy host one may time out waiting (503): try again.
  for (let retry = 0; status === 503 && retry < 5; retry += 1) {
    createRetries += 1;
    await sleep(100);
    ({ status, json } = await call("POST", `${api}/v1/delegations`, parentKey, { name, capabilities, ttlSeconds }));
  }
  if (status !== 201) throw new Error(`POST /v1/delegations answered ${status}: ${JSON.stringify(json)}`);
  return { id: (json.delegation as { id: string }).id, key: json.apiKey as string };
}

/** Runs `work` over `items` with at most `concurrency` in flight. */
async function pool<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next;
        next += 1;
        out[i] = await work(items[i] as T);
      }
    }),
  );
  return out;
}

/** The API process's CPU time so far (user + system), in microseconds. */
function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / HZ;
}
const HZ = Number(run("getconf", ["CLK_TCK"]).trim()) || 100;

/** wrk on the API, with the API process's own CPU time per answered request (steadier than the rate on a shared host). */
function measured(pid: number, url: string, key: string): Wrk & { cpuMicrosPerRequest: number } {
  const before = cpuMicros(pid);
  const result = wrkPost(url, SECONDS, key);
  return { ...result, cpuMicrosPerRequest: Math.round((cpuMicros(pid) - before) / Math.max(1, result.requests)) };
}

const ACTION = { actionType: "svc1.read", metadata: { size: 10, env: "dev" } };

/** Part 1: one API process, the root agent's key against a depth-5 delegate's, interleaved. */
async function throughput(api: string, setup: Setup, pid: number) {
  // Each link narrower than (or as wide as) its parent's, each living a little less.
  const links: Array<{ capabilities: string[]; ttl: number }> = [
    { capabilities: ["*"], ttl: 3600 },
    { capabilities: ["svc1.*", "svc2.*"], ttl: 3500 },
    { capabilities: ["svc1.*"], ttl: 3400 },
    { capabilities: ["svc1.read", "svc1.write"], ttl: 3300 },
    { capabilities: ["svc1.read"], ttl: 3200 },
  ];
  let key = setup.agentKey;
  const chain: string[] = [];
  for (const [i, link] of links.entries()) {
    const created = await delegate(api, key, `bench-depth-${i + 1}`, link.capabilities, link.ttl);
    chain.push(created.id);
    key = created.key;
  }
  const delegateKey = key;
  const probeRoot = await call("POST", `${api}/v1/actions`, setup.agentKey, ACTION);
  const probeDelegate = await call("POST", `${api}/v1/actions`, delegateKey, ACTION);
  log(
    `root answers ${probeRoot.status} ${JSON.stringify(probeRoot.json.decision ?? probeRoot.json)}; delegate ${probeDelegate.status} ${JSON.stringify(probeDelegate.json.decision ?? probeDelegate.json)}`,
  );
  if (probeDelegate.status !== 200 || probeRoot.status !== 200) throw new Error("a probe decision failed");
  const decisionOf = (j: Record<string, unknown>) => `${String(j.status)} by ${String(j.policyName)}`;
  // Warm-up, both keys.
  wrkPost(`${api}/v1/actions`, 2, setup.agentKey);
  wrkPost(`${api}/v1/actions`, 2, delegateKey);
  const pairs: Array<{ root: Wrk & { cpuMicrosPerRequest: number }; delegate: Wrk & { cpuMicrosPerRequest: number }; ratio: number; cpuRatio: number }> = [];
  for (let r = 0; r < ROUNDS; r += 1) {
    const root = measured(pid, `${api}/v1/actions`, setup.agentKey);
    const dlg = measured(pid, `${api}/v1/actions`, delegateKey);
    const ratio = Number((dlg.requestsPerSecond / root.requestsPerSecond).toFixed(3));
    const cpuRatio = Number((dlg.cpuMicrosPerRequest / root.cpuMicrosPerRequest).toFixed(3));
    log(
      `round ${r + 1}: root ${Math.round(root.requestsPerSecond)}/s, depth-5 delegate ${Math.round(dlg.requestsPerSecond)}/s, ratio ${ratio}; API CPU per request ${root.cpuMicrosPerRequest} vs ${dlg.cpuMicrosPerRequest} µs (${cpuRatio})`,
    );
    pairs.push({ root, delegate: dlg, ratio, cpuRatio });
  }
  const ratios = pairs.map((p) => p.ratio).sort((a, b) => a - b);
  const cpuRatios = pairs.map((p) => p.cpuRatio).sort((a, b) => a - b);
  return {
    chain,
    probe: { root: decisionOf(probeRoot.json), delegate: decisionOf(probeDelegate.json) },
    pairs,
    medianRatio: ratios[Math.floor(ratios.length / 2)] as number,
    medianCpuRatio: cpuRatios[Math.floor(cpuRatios.length / 2)] as number,
    target: 0.9,
  };
}

interface Poll {
  sentAt: number;
  receivedAt: number;
  status: number;
}

/** Tight loops on B with each key until told to stop; every answer's times and status. */
function startPollers(api: string, keys: string[]) {
  let stop = false;
  const polls: Poll[] = [];
  const loops = keys.map(async (key) => {
    while (!stop) {
      const sentAt = nowMs();
      const response = await fetch(`${api}/v1/actions/check`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify(ACTION),
      }).catch(() => null);
      if (response) await response.arrayBuffer();
      polls.push({ sentAt, receivedAt: nowMs(), status: response?.status ?? 0 });
    }
  });
  return {
    polls,
    /** Waits for a refused answer to a call sent after `since` (or `timeoutMs`), then stops the loops. */
    async until(since: number, timeoutMs: number): Promise<void> {
      const deadline = nowMs() + timeoutMs;
      while (nowMs() < deadline && !polls.some((p) => p.sentAt >= since && p.status !== 200)) await sleep(5);
      stop = true;
      await Promise.all(loops);
    },
    async stop(): Promise<void> {
      stop = true;
      await Promise.all(loops);
    },
  };
}

async function waitOk(polls: Poll[], count: number): Promise<void> {
  for (let i = 0; i < 400; i += 1) {
    if (polls.filter((p) => p.status === 200).length >= count) return;
    await sleep(10);
  }
  throw new Error(`the pollers never answered 200: ${JSON.stringify(polls.slice(-3))}`);
}

interface Reach {
  /** revoked_at as the server stamped it (inside the revoke's transaction, before its commit) → B's first refusal. */
  fromRevokedAtMs: number;
  /** The revoke's response received by the client (after commit and signal) → B's first refusal. */
  fromResponseMs: number;
  /** How long the revoke call took, request to response. */
  revokeCallMs: number;
  /** Polls B answered in the run, and the median gap between a poller's answers. */
  polls: number;
  pollGapMs: number;
  refusedStatus: number;
  revoked: number;
}

function reachOf(polls: Poll[], revokeSentAt: number, revokeAnsweredAt: number, revokedAt: number, revoked: number): Reach {
  const refused = polls.filter((p) => p.status !== 200 && p.sentAt >= revokeSentAt - 1000).sort((a, b) => a.receivedAt - b.receivedAt)[0];
  if (!refused) throw new Error("B never refused");
  const okBefore = polls
    .filter((p) => p.status === 200)
    .map((p) => p.receivedAt - p.sentAt)
    .sort((a, b) => a - b);
  return {
    fromRevokedAtMs: round2(refused.receivedAt - revokedAt),
    fromResponseMs: round2(refused.receivedAt - revokeAnsweredAt),
    revokeCallMs: round2(revokeAnsweredAt - revokeSentAt),
    polls: polls.length,
    pollGapMs: round2(okBefore[Math.floor(okBefore.length / 2)] ?? Number.NaN),
    refusedStatus: refused.status,
    revoked,
  };
}

async function revokedAtOf(client: pg.Client, table: "delegations" | "api_keys", id: string): Promise<number> {
  const { rows } = await client.query<{ ms: string }>(`SELECT (extract(epoch FROM revoked_at) * 1000)::text AS ms FROM ${table} WHERE id = $1`, [id]);
  return Number(rows[0]?.ms);
}

/** A fresh tree through A: one delegation under the root agent, FANOUT under it, FANOUT under each, FANOUT under each. */
async function buildTree(api: string, setup: Setup, n: number): Promise<{ top: Created; leaves: Created[]; size: number }> {
  const top = await delegate(api, setup.agentKey, `tree-${n}`, ["*"], 3600);
  const level2 = await pool(
    Array.from({ length: FANOUT }, (_, i) => i),
    BUILD_CONCURRENCY,
    (i) => delegate(api, top.key, `t${n}-${i}`, ["svc1.*", "svc2.*"], 3500),
  );
  const level3 = await pool(
    level2.flatMap((p, i) => Array.from({ length: FANOUT }, (_, j) => ({ p, name: `t${n}-${i}-${j}` }))),
    BUILD_CONCURRENCY,
    ({ p, name }) => delegate(api, p.key, name, ["svc1.*"], 3400),
  );
  const leaves = await pool(
    level3.flatMap((p, i) => Array.from({ length: FANOUT }, (_, j) => ({ p, name: `t${n}-${i}-${j}` }))),
    BUILD_CONCURRENCY,
    ({ p, name }) => delegate(api, p.key, name, ["svc1.read"], 3300),
  );
  return { top, leaves, size: 1 + level2.length + level3.length + leaves.length };
}

/** Part 2: two API processes; a tree's revoke against one key's, interleaved run by run. */
async function revocation(a: string, b: string, setup: Setup, client: pg.Client) {
  const tree: Reach[] = [];
  const key: Reach[] = [];
  const buildSeconds: number[] = [];
  for (let n = 0; n < REVOKE_RUNS; n += 1) {
    // Tree: build, poll leaves from different branches on B, revoke the top on A.
    const started = nowMs();
    const built = await buildTree(a, setup, n);
    buildSeconds.push(round2((nowMs() - started) / 1000));
    const step = Math.max(1, Math.floor(built.leaves.length / POLLED_LEAVES));
    const polled = Array.from({ length: POLLED_LEAVES }, (_, i) => (built.leaves[(i * step) % built.leaves.length] as Created).key);
    let pollers = startPollers(b, polled);
    await waitOk(pollers.polls, POLLED_LEAVES * 20);
    let sentAt = nowMs();
    const revoke = await call("DELETE", `${a}/v1/delegations/${built.top.id}`, setup.agentKey);
    let answeredAt = nowMs();
    if (revoke.status !== 200) throw new Error(`revoke answered ${revoke.status}: ${JSON.stringify(revoke.json)}`);
    await pollers.until(answeredAt, 10_000);
    const treeReach = reachOf(pollers.polls, sentAt, answeredAt, await revokedAtOf(client, "delegations", built.top.id), (revoke.json.revoked as string[]).length);
    tree.push(treeReach);

    // Baseline: one agent key, issued through A, polled on B, revoked through A.
    const issued = await call("POST", `${a}/v1/admin/agents/${setup.agentId}/keys`, setup.adminKey, {});
    if (issued.status !== 201) throw new Error(`issue key answered ${issued.status}: ${JSON.stringify(issued.json)}`);
    pollers = startPollers(
      b,
      Array.from({ length: POLLED_LEAVES }, () => issued.json.apiKey as string),
    );
    await waitOk(pollers.polls, POLLED_LEAVES * 20);
    sentAt = nowMs();
    const revokedKey = await call("DELETE", `${a}/v1/admin/keys/${issued.json.id as string}`, setup.adminKey);
    answeredAt = nowMs();
    if (revokedKey.status !== 200) throw new Error(`key revoke answered ${revokedKey.status}: ${JSON.stringify(revokedKey.json)}`);
    await pollers.until(answeredAt, 10_000);
    const keyReach = reachOf(pollers.polls, sentAt, answeredAt, await revokedAtOf(client, "api_keys", issued.json.id as string), 1);
    key.push(keyReach);
    log(
      `run ${n + 1}/${REVOKE_RUNS}: tree of ${built.size} built in ${buildSeconds.at(-1)} s, ${treeReach.revoked} revoked; refused on B ${treeReach.fromRevokedAtMs} ms after revoked_at (${treeReach.fromResponseMs} ms after the answer, revoke took ${treeReach.revokeCallMs} ms); one key: ${keyReach.fromRevokedAtMs} ms (${keyReach.fromResponseMs} ms)`,
    );
  }
  const stats = (runs: Reach[]) => ({
    fromRevokedAtMs: summarize(runs.map((r) => r.fromRevokedAtMs)),
    fromResponseMs: summarize(runs.map((r) => r.fromResponseMs)),
    revokeCallMs: summarize(runs.map((r) => r.revokeCallMs)),
    pollGapMs: summarize(runs.map((r) => r.pollGapMs)),
    refusedStatuses: [...new Set(runs.map((r) => r.refusedStatus))],
  });
  return {
    treeSize: 1 + FANOUT + FANOUT ** 2 + FANOUT ** 3,
    polledLeaves: POLLED_LEAVES,
    treeBuildSeconds: summarize(buildSeconds),
    createRetriesAfter503: createRetries,
    tree: { ...stats(tree), runs: tree },
    singleKey: { ...stats(key), runs: key },
    targetMs: 1000,
  };
}

async function main(): Promise<void> {
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", node: process.version, date: new Date().toISOString(), loadavgAtStart: loadavg().map(round2) };
  log(`machine: ${JSON.stringify(machine)}`);
  const database = await benchDatabase();
  const client = new pg.Client({ connectionString: database.url });
  // The throwaway database's secrets (master key) live in a throwaway home, shared by setup and the APIs.
  const home = mkdtempSync(join(tmpdir(), "gatehouse-bench-"));
  // The pollers meet refusals (401) every run, all from one address: lift the failed-key throttle (30 a minute) past them.
  const env = { DATABASE_URL: database.url, REDIS_URL: redisUrl, API_HOST: "127.0.0.1", LOG_LEVEL: "warn", GATEHOUSE_HOME: home, API_KEY_FAILURE_LIMIT: "1000000" };
  try {
    await client.connect();
    const setup = JSON.parse(run("npx", ["tsx", "bench/setup-delegation.ts"], { DATABASE_URL: database.url, GATEHOUSE_HOME: home }).trim().split("\n").pop() as string) as Setup;

    log(`1. durable decisions, root agent vs depth-5 delegate, one API process, ${ROUNDS} interleaved pairs of ${SECONDS} s (wrk -c${CONNECTIONS})`);
    const one: ChildProcess = background(process.execPath, ["--import", "tsx", "apps/api/src/main.ts"], { ...env, API_PORT: "4921" });
    await waitFor("http://127.0.0.1:4921/healthz");
    const decisions = await throughput("http://127.0.0.1:4921", setup, one.pid as number);
    one.kill("SIGTERM");
    await new Promise((r) => one.once("exit", r));

    if (REVOKE_RUNS === 0) {
      // BENCH_REVOKE_RUNS=0: the decisions part alone, recorded beside the full runs without touching DELEGATION.md.
      const stamp = machine.date.replace(/[:.]/g, "-");
      const results = { machine: { ...machine, loadavgAtEnd: loadavg().map(round2) }, settings: { SECONDS, ROUNDS, REVOKE_RUNS }, decisions };
      writeFileSync(`bench/results/delegation-${stamp}-decisions-only.json`, `${JSON.stringify(results, null, 2)}\n`);
      console.log(JSON.stringify(results, null, 2));
      return;
    }
    log(`2. revocation reach over two API processes, ${REVOKE_RUNS} runs, tree and single key interleaved`);
    background(process.execPath, ["--import", "tsx", "apps/api/src/main.ts"], { ...env, API_PORT: "4922" });
    background(process.execPath, ["--import", "tsx", "apps/api/src/main.ts"], { ...env, API_PORT: "4923" });
    const a = "http://127.0.0.1:4922";
    const b = "http://127.0.0.1:4923";
    await Promise.all([waitFor(`${a}/healthz`), waitFor(`${b}/healthz`)]);
    const reach = await revocation(a, b, setup, client);

    const results = {
      machine: { ...machine, loadavgAtEnd: loadavg().map(round2) },
      settings: { SECONDS, ROUNDS, REVOKE_RUNS, FANOUT, POLLED_LEAVES },
      decisions,
      revocation: reach,
    };
    mkdirSync("bench/results", { recursive: true });
    const stamp = machine.date.replace(/[:.]/g, "-");
    writeFileSync(`bench/results/delegation-${stamp}.json`, `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync("bench/DELEGATION.md", summary(results, stamp));
    console.log(JSON.stringify({ ...results, revocation: { ...reach, tree: { ...reach.tree, runs: undefined }, singleKey: { ...reach.singleKey, runs: undefined } } }, null, 2));
  } finally {
    await client.end().catch(() => {});
    await stopChildren();
    await database.drop();
    rmSync(home, { recursive: true, force: true });
  }
}

function summary(
  r: {
    machine: Record<string, unknown>;
    settings: { SECONDS: number };
    decisions: Awaited<ReturnType<typeof throughput>>;
    revocation: Awaited<ReturnType<typeof revocation>>;
  },
  stamp: string,
): string {
  const d = r.decisions;
  const v = r.revocation;
  const rows = d.pairs
    .map(
      (p, i) =>
        `| ${i + 1} | ${Math.round(p.root.requestsPerSecond).toLocaleString("en")} (p50 ${p.root.p50ms} ms, p99 ${p.root.p99ms} ms, non-2xx ${p.root.non2xx}) | ${Math.round(p.delegate.requestsPerSecond).toLocaleString("en")} (p50 ${p.delegate.p50ms} ms, p99 ${p.delegate.p99ms} ms, non-2xx ${p.delegate.non2xx}) | ${p.ratio} | ${p.root.cpuMicrosPerRequest} → ${p.delegate.cpuMicrosPerRequest} (${p.cpuRatio}) |`,
    )
    .join("\n");
  const s = (x: { p50: number; p99: number; max: number }) => `p50 ${x.p50} ms, p99 ${x.p99} ms, max ${x.max} ms`;
  return `# Delegation benchmarks (issue 14)

Latest run: \`npm run bench:delegation\` (${stamp}); raw numbers in \`bench/results/delegation-${stamp}.json\`.
Machine: ${JSON.stringify(r.machine)}

## 1. Durable decisions: a depth-5 delegate against its root agent

One API process on a fresh database, the 100 benchmark policies, a root agent and a chain of five
delegates created through \`POST /v1/delegations\` with each level's key (capabilities \`*\` →
\`svc1.*, svc2.*\` → \`svc1.*\` → \`svc1.read, svc1.write\` → \`svc1.read\`). wrk -c${CONNECTIONS} on \`POST /v1/actions\`
(\`svc1.read\`; the root's decision ${JSON.stringify(d.probe.root)}, the delegate's ${JSON.stringify(d.probe.delegate)}),
root and delegate interleaved, ${d.pairs.length} pairs of ${r.settings.SECONDS} s, each root then delegate:

| pair | root agent /s | depth-5 delegate /s | ratio | API CPU µs per request, root → delegate |
|---|---|---|---|---|
${rows}

**Median ratio ${d.medianRatio}** (target ≥ ${d.target}); median CPU per request ratio ${d.medianCpuRatio}.

## 2. Revoking the top of a ${v.treeSize.toLocaleString("en")}-delegation tree, seen on the other instance

Two API processes (A, B) on one database and one Redis. Each run builds a fresh tree through A (one
delegation under the root agent, ${Math.round(Math.cbrt(v.treeSize))} under it, as many under each, as many under each: depth 4, within the
default caps of depth 5 and 100 active children), starts ${v.polledLeaves} pollers on B calling \`POST /v1/actions/check\`
in a tight loop with leaves' keys from different branches, waits for their 200s, then revokes the top
delegation with the root agent's key through A (\`DELETE /v1/delegations/:id\`). Measured: B's first
refused answer (received by the poller) against (a) the \`revoked_at\` the server stamps — taken inside the
revoke's transaction before it commits, so this overstates the delay by the rest of the transaction — and
(b) the moment the revoke's response reached the client (after the commit and the signal's publish).
Baseline, interleaved run by run: an agent key issued through A, polled on B the same way, revoked with
\`DELETE /v1/admin/keys/:id\` through A.

| ${v.tree.fromRevokedAtMs.n} runs | revoked_at → first refusal on B | revoke answered → first refusal on B | the revoke call | refused with |
|---|---|---|---|---|
| tree (${v.treeSize.toLocaleString("en")} delegations) | ${s(v.tree.fromRevokedAtMs)} | ${s(v.tree.fromResponseMs)} | ${s(v.tree.revokeCallMs)} | ${v.tree.refusedStatuses.join(", ")} |
| one agent key (baseline) | ${s(v.singleKey.fromRevokedAtMs)} | ${s(v.singleKey.fromResponseMs)} | ${s(v.singleKey.revokeCallMs)} | ${v.singleKey.refusedStatuses.join(", ")} |

Target: p99 ≤ ${v.targetMs} ms from the commit. A poller's round trip on B (the measurement's resolution): tree runs
${s(v.tree.pollGapMs)}; key runs ${s(v.singleKey.pollGapMs)}. Building one tree through A took ${s(v.treeBuildSeconds).replace(/ ms/g, " s")}.
`;
}

main().catch(async (error) => {
  console.error(error);
  await stopChildren();
  process.exit(1);
});

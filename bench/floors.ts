// `npm run bench:floors` (issue 42): the decision path against its floors, every figure beside the
// baseline measured in the same run, and a CPU profile of the API under the execute load.
//  1. durable decisions (POST /v1/actions, one API process, one org; wrk -c32 and -c128) ÷ pgbench
//     single-row inserts with 32 clients — target ≥ 0.30;
//  2. canI (POST /v1/actions/check) ÷ a bare node:http JSON echo, both wrk -c64 — target ≥ 0.5; beside it
//     a bare Fastify JSON echo (the framework apps/api runs on, ADR 0001): what any Fastify route reaches at most;
//  3. two API processes serving one org ÷ two API processes serving one org each (load split evenly,
//     two wrk of -c64 at once) — target ≥ 0.8;
//  4. report (POST /v1/actions/:auditEventId/outcome) p50 ÷ execute p50, 8 at a time, in alternating
//     batches — target ≤ 1;
//  5. the approve call (POST /v1/admin/approvals/:id/decision with the owner's admin key) on the embedded
//     default (PGlite behind the multiplexer, as `npm start` runs it), one at a time — target p50 ≤ 10 ms;
//     the same call on PostgreSQL in the same run beside it;
//  6. an open loop (bench/load.ts) at half the highest execute rate of 1 — target p99 ≤ 25 ms;
//  7. the shares of a decision's cost of content screening (default rules, ~1.4 KB of metadata) and of a
//     budget check: the API's CPU per decision with ÷ without, in alternating rounds — target ≤ 10 % each;
//  8. every benchmark org's audit log verified afterwards (bench/verify-chain.ts).
// And a CPU profile (node --cpu-prof) of a separate API process under wrk -c32 on execute, cut to the
// load's window: bench/results/floors-<stamp>.cpuprofile, .folded and a summary in bench/FLOORS.md; the same
// process then under wrk -c64 on canI, summed in its own window (bench/FLOORS.md, the second profile).
// BENCH_SECONDS (default 10) is each measurement's length. Starts and stops everything it uses: a
// throwaway PostgreSQL database, the API processes, the echo server, the embedded database. Needs the
// local PostgreSQL and Redis, wrk and pgbench.
import { once } from "node:events";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { foldStacks, summarizeProfile, trimProfile, type CpuProfile, type ProfileSummary } from "./cpu-profile";
import {
  abRounds,
  background,
  benchRun,
  decisionBatch,
  freePort,
  log,
  percentile,
  postLua,
  run,
  runAsync,
  startApi,
  ticketMetadata,
  variedPostLua,
  waitFor,
  wrk,
  wrkAsync,
  type BenchRun,
  type Machine,
  type VariantRow,
  type Wrk,
} from "./lib";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP = Math.max(1, Math.min(3, Math.round(SECONDS / 3)));
const COMMAND = `${process.env.BENCH_SECONDS ? `BENCH_SECONDS=${process.env.BENCH_SECONDS} ` : ""}npm run bench:floors`;
/** Modest concurrency for report vs execute, and for the A/B rounds of 7. */
const REPORT_CONCURRENCY = 8;
const SHARE_CONCURRENCY = 16;
const round2 = (v: number) => Math.round(v * 100) / 100;
const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
const started = performance.now();
/** Logs a step with the seconds since the run started. */
const step = (line: string) => log(`${Math.round((performance.now() - started) / 1000)} s: ${line}`);
const lastJson = <T>(out: string): T => JSON.parse(out.trim().split("\n").pop() as string) as T;

/** What the execute load sends (bench/run.ts's body); `run` makes each phase's calls differ from every other's. */
const BODY = { actionType: "svc1.read", metadata: { size: 10, env: "dev" } };
const bodyFor = (phase: string) => ({ ...BODY, metadata: { ...BODY.metadata, phase } });
const SPEND = { model: "gpt-4o-mini", inputTokens: 1200, maxOutputTokens: 400 };

interface Org {
  orgId: string;
  agentKey: string;
}

/** One row of FLOORS.md's table. */
interface Row {
  what: string;
  result: string;
  floor: string;
  ratio: string;
  target: string;
  met: boolean | null;
}

/** SIGTERM, then waits for the exit (SIGKILL after 15 s). */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

/** `count` calls, `concurrency` at a time: each call's latency (ms). */
async function timedCalls(count: number, concurrency: number, call: (i: number) => Promise<void>): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) {
        const at = performance.now();
        await call(i);
        latencies.push(performance.now() - at);
      }
    }),
  );
  return latencies;
}

async function post(url: string, key: string, body: object, expect = 200): Promise<Record<string, unknown>> {
  const response = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  const answer = (await response.json()) as Record<string, unknown>;
  if (response.status !== expect) throw new Error(`${url} answered ${response.status}: ${JSON.stringify(answer)}`);
  return answer;
}

function latencySummary(values: readonly number[]): { n: number; p50: number; p99: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: round2(percentile(sorted, 50)), p99: round2(percentile(sorted, 99)) };
}

/** 4: alternating batches of executes and reports of those same actions, until SECONDS have passed. */
async function reportVsExecute(api: string, key: string): Promise<{ execute: { n: number; p50: number; p99: number }; report: { n: number; p50: number; p99: number } }> {
  const executes: number[] = [];
  const reports: number[] = [];
  const until = performance.now() + SECONDS * 1000;
  // Round 0 warms the report route; at least one more round is measured, however long it takes.
  for (let round = 0; round < 2 || performance.now() < until; round += 1) {
    const ids: string[] = [];
    const batch = await decisionBatch({
      api,
      key,
      count: 200,
      concurrency: REPORT_CONCURRENCY,
      body: (i) => ({ ...BODY, metadata: { ...BODY.metadata, phase: "report", call: `${round}-${i}` } }),
      check: (answer) => {
        ids.push(String(answer.auditEventId));
        return true;
      },
    });
    const reported = await timedCalls(ids.length, REPORT_CONCURRENCY, async (i) => {
      await post(`${api}/v1/actions/${ids[i]}/outcome`, key, { status: "success" });
    });
    if (round > 0) {
      executes.push(...batch.latencies);
      reports.push(...reported);
    }
  }
  return { execute: latencySummary(executes), report: latencySummary(reports) };
}

/** 5: `count` approvals requested, then each approved by the owner's admin key, one at a time (the first 10 warm up). */
async function approveLatency(api: string, setup: { agentKey: string; adminKey: string }, count: number, label: string): Promise<{ n: number; p50: number; p99: number }> {
  const ids: string[] = [];
  await timedCalls(count + 10, 4, async (i) => {
    const answer = await post(`${api}/v1/actions`, setup.agentKey, { actionType: "pr.merge", metadata: { call: `${label}-${i}` } });
    if (answer.status !== "requested" || typeof answer.approvalId !== "string") throw new Error(`expected an approval: ${JSON.stringify(answer)}`);
    ids.push(answer.approvalId);
  });
  const latencies = await timedCalls(ids.length, 1, async (i) => {
    const answer = await post(`${api}/v1/admin/approvals/${ids[i]}/decision`, setup.adminKey, { decision: "approve" });
    if (answer.status !== "approved") throw new Error(`expected approved: ${JSON.stringify(answer)}`);
  });
  return latencySummary(latencies.slice(10));
}

/** Warnings and errors a process logged: pino records at level ≥ 40 (by message) and lines that are not JSON, counted. */
function logProblems(file: string): Array<{ message: string; count: number }> {
  if (!existsSync(file)) return [];
  const counts = new Map<string, number>();
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    let message: string | undefined = line.slice(0, 200);
    try {
      const record = JSON.parse(line) as { level?: number; msg?: string };
      message = (record.level ?? 50) >= 40 ? (record.msg ?? line).slice(0, 200) : undefined;
    } catch {
      // not JSON: a warning node printed, or a crash
    }
    if (message !== undefined) counts.set(message, (counts.get(message) ?? 0) + 1);
  }
  return [...counts].map(([message, count]) => ({ message, count }));
}

const LOGS = ["api-a", "api-b", "api-profiled", "api-embedded", "embedded-database"];

async function main(): Promise<void> {
  await benchRun(async (bench) => {
    try {
      await measure(bench);
    } catch (error) {
      // The logs live in the run's home, removed with it: show their ends first.
      for (const name of LOGS) {
        const file = join(bench.env.GATEHOUSE_HOME as string, `${name}.log`);
        if (existsSync(file)) console.error(`--- ${name}.log (end)\n${readFileSync(file, "utf8").split("\n").slice(-15).join("\n")}`);
      }
      throw error;
    }
  });
}

async function measure({ machine, env, client }: BenchRun): Promise<void> {
  const home = env.GATEHOUSE_HOME as string;
  const logs = (name: string) => join(home, `${name}.log`);
  const postgres = run("psql", ["--version"]).trim();
  // The code measured: the commit, and how many files the services load from differ from it.
  const code = {
    commit: run("git", ["rev-parse", "--short", "HEAD"]).trim(),
    uncommittedFiles: run("git", ["status", "--porcelain", "--", "apps", "packages"]).split("\n").filter(Boolean).length,
  };

  step("setting up the orgs");
  const setup = async <T>(script: string): Promise<T> => lastJson<T>(await runAsync("npx", ["tsx", script], env));
  const [main, second, content, budgets, approvalsPg] = await Promise.all([
    setup<Org>("bench/setup-org.ts"),
    setup<Org>("bench/setup-org.ts"),
    setup<{ screened: string; off: string }>("bench/setup-content.ts"),
    setup<{ budgeted: string; plain: string }>("bench/setup-budgets.ts"),
    setup<Org & { adminKey: string }>("bench/setup-approvals.ts"),
  ]);

  const echoPort = await freePort();
  background(process.execPath, ["--import", "tsx", "bench/echo-server.ts", String(echoPort)], {});
  const echoUrl = `http://127.0.0.1:${echoPort}/`;
  const fastifyEchoPort = await freePort();
  background(process.execPath, ["--import", "tsx", "bench/fastify-echo-server.ts", String(fastifyEchoPort)], {});
  const fastifyEchoUrl = `http://127.0.0.1:${fastifyEchoPort}/`;
  const a = await startApi(env, logs("api-a"));
  const b = await startApi(env, logs("api-b"));
  await waitFor(echoUrl);
  await waitFor(fastifyEchoUrl);

  step("floors: bare node:http and bare Fastify JSON echo (wrk -c64), pgbench inserts (32 clients)");
  const echo = wrk(echoUrl, 64, SECONDS, postLua("x", BODY));
  wrk(fastifyEchoUrl, 64, WARMUP, postLua("x", BODY));
  const fastifyEcho = wrk(fastifyEchoUrl, 64, SECONDS, postLua("x", BODY));
  await client.query("CREATE TABLE bench_insert (id bigserial PRIMARY KEY, payload text NOT NULL)");
  const pgbenchScript = join(home, "pgbench.sql");
  writeFileSync(pgbenchScript, "INSERT INTO bench_insert (payload) VALUES ('decision');\n");
  const pgbenchOut = run("pgbench", ["-n", "-c", "32", "-j", "2", "-T", String(SECONDS), "-f", pgbenchScript, env.DATABASE_URL as string]);
  const pgbench = { tps: round2(Number(/tps = ([\d.]+)/.exec(pgbenchOut)?.[1] ?? 0)), clients: 32 };

  step("1. execute on one API process, one org (wrk -c32, -c128); 2. canI (wrk -c64)");
  wrk(`${a.url}/v1/actions`, 32, WARMUP, variedPostLua(main.agentKey, bodyFor("warm-a")));
  const execute32 = wrk(`${a.url}/v1/actions`, 32, SECONDS, variedPostLua(main.agentKey, bodyFor("c32")));
  const entries = async () => Number((await client.query<{ n: string }>("SELECT count(*)::text AS n FROM audit_entries WHERE org_id = $1", [main.orgId])).rows[0]?.n);
  const before128 = await entries();
  const execute128 = wrk(`${a.url}/v1/actions`, 128, SECONDS, variedPostLua(main.agentKey, bodyFor("c128")));
  const entries128 = (await entries()) - before128;
  const canI = wrk(`${a.url}/v1/actions/check`, 64, SECONDS, postLua(main.agentKey, BODY));

  step("3. two API processes: one org, then one org each");
  await Promise.all([
    wrkAsync(`${b.url}/v1/actions`, 32, WARMUP, variedPostLua(main.agentKey, bodyFor("warm-b1"))),
    wrkAsync(`${a.url}/v1/actions`, 32, WARMUP, variedPostLua(second.agentKey, bodyFor("warm-a2"))),
  ]);
  await wrkAsync(`${b.url}/v1/actions`, 32, WARMUP, variedPostLua(second.agentKey, bodyFor("warm-b2")));
  const oneOrg = await Promise.all([
    wrkAsync(`${a.url}/v1/actions`, 64, SECONDS, variedPostLua(main.agentKey, bodyFor("pair-one-a"))),
    wrkAsync(`${b.url}/v1/actions`, 64, SECONDS, variedPostLua(main.agentKey, bodyFor("pair-one-b"))),
  ]);
  const twoOrgs = await Promise.all([
    wrkAsync(`${a.url}/v1/actions`, 64, SECONDS, variedPostLua(main.agentKey, bodyFor("pair-two-a"))),
    wrkAsync(`${b.url}/v1/actions`, 64, SECONDS, variedPostLua(second.agentKey, bodyFor("pair-two-b"))),
  ]);
  const sum = (pair: Wrk[]) => round2(pair.reduce((total, w) => total + w.requestsPerSecond, 0));

  step(`4. report vs execute, ${REPORT_CONCURRENCY} at a time`);
  const reportRun = await reportVsExecute(a.url, main.agentKey);

  const maxRate = Math.max(execute32.requestsPerSecond, execute128.requestsPerSecond);
  const openRate = Math.max(1, Math.floor(maxRate / 2));
  step(`6. open loop at ${openRate}/s (half of ${Math.round(maxRate)}/s)`);
  const openLoop = lastJson<{ rate: number; sent: number; errors: number; achieved: number; p50: number; p90: number; p99: number; max: number }>(
    run("npx", [
      "tsx",
      "bench/load.ts",
      `${a.url}/v1/actions`,
      String(openRate),
      String(SECONDS),
      main.agentKey,
      JSON.stringify({ ...BODY, metadata: { ...BODY.metadata, phase: "open", call: "__CALL__" } }),
    ]),
  );

  step("7. shares: content screening and a budget check (API CPU per decision, with vs without)");
  const pid = a.child.pid as number;
  const shareBatch = Math.max(200, SECONDS * 60);
  const shareRounds = 6;
  let calls = 0;
  const ticket = (key: string) =>
    decisionBatch({
      api: a.url,
      key,
      count: shareBatch,
      concurrency: SHARE_CONCURRENCY,
      body: (i) => ({ actionType: "ticket.update", metadata: { ...ticketMetadata("clean", i), call: (calls += 1) } }),
    });
  const llm = (key: string) =>
    decisionBatch({
      api: a.url,
      key,
      count: shareBatch,
      concurrency: SHARE_CONCURRENCY,
      body: () => ({ actionType: "llm.openai.gpt-4o-mini", metadata: { call: (calls += 1) }, spend: SPEND }),
    });
  for (const warm of [ticket(content.screened), ticket(content.off), llm(budgets.budgeted), llm(budgets.plain)]) await warm;
  const contentShare = await abRounds({
    pid,
    rounds: shareRounds,
    variants: ["screened", "off"],
    batch: (v) => ticket(v === "screened" ? content.screened : content.off),
    variant: "screened",
    baseline: "off",
  });
  const budgetShare = await abRounds({
    pid,
    rounds: shareRounds,
    variants: ["budget", "none"],
    batch: (v) => llm(v === "budget" ? budgets.budgeted : budgets.plain),
    variant: "budget",
    baseline: "none",
  });
  const share = (r: { cpuRatio: number; rateRatio: number }) => ({ cpuSharePercent: round2((1 - 1 / r.cpuRatio) * 100), throughputSharePercent: round2((1 - r.rateRatio) * 100) });

  step("5. the approve call on PostgreSQL (for comparison)");
  const approveCount = Math.max(50, SECONDS * 20);
  const approvePostgres = await approveLatency(a.url, approvalsPg, approveCount, "pg");

  step("CPU profile: a separate API process under execute (wrk -c32)");
  const profileDir = join(home, "profile");
  const profiled = await startApi(env, logs("api-profiled"), ["--cpu-prof", `--cpu-prof-dir=${profileDir}`]);
  wrk(`${profiled.url}/v1/actions`, 32, WARMUP, variedPostLua(main.agentKey, bodyFor("warm-profile")));
  const from = Number(process.hrtime.bigint() / 1000n);
  const profiledLoad = wrk(`${profiled.url}/v1/actions`, 32, SECONDS, variedPostLua(main.agentKey, bodyFor("profile")));
  const to = Number(process.hrtime.bigint() / 1000n);
  // The same process under canI, in a window of its own.
  wrk(`${profiled.url}/v1/actions/check`, 64, WARMUP, postLua(main.agentKey, BODY));
  const canIFrom = Number(process.hrtime.bigint() / 1000n);
  const profiledCanI = wrk(`${profiled.url}/v1/actions/check`, 64, SECONDS, postLua(main.agentKey, BODY));
  const canITo = Number(process.hrtime.bigint() / 1000n);
  await stop(profiled.child);
  // Every thread writes a profile (the work pool's workers too): CPU.<date>.<time>.<pid>.<thread id>.<n>.cpuprofile; the main thread's id is 0.
  const mainThread = readdirSync(profileDir).find((name) => name.split(".")[4] === "0");
  if (!mainThread) throw new Error(`no main-thread profile in ${readdirSync(profileDir).join(", ")}`);
  const wholeProfile = JSON.parse(readFileSync(join(profileDir, mainThread), "utf8")) as CpuProfile;
  const profile = trimProfile(wholeProfile, from, to);
  const profileSummary = summarizeProfile(profile);
  const canIProfileSummary = summarizeProfile(trimProfile(wholeProfile, canIFrom, canITo));
  await Promise.all([stop(a.child), stop(b.child)]);

  step("5. the approve call on the embedded default (PGlite behind the multiplexer)");
  const urlFile = join(home, "embedded-url");
  const embeddedDb = background(
    process.execPath,
    ["--import", "tsx", "bench/embedded-database.ts", join(home, "pgdata"), urlFile],
    { BENCH_EMBEDDED_PASSWORD: randomBytes(24).toString("hex") },
    logs("embedded-database"),
  );
  for (let i = 0; i < 600 && !existsSync(urlFile); i += 1) await new Promise((r) => setTimeout(r, 100));
  const embeddedUrl = readFileSync(urlFile, "utf8");
  // As `npm start` runs it: no Redis, development mode, the same home (master key).
  const embeddedEnv = { ...env, DATABASE_URL: embeddedUrl, REDIS_URL: undefined, GATEHOUSE_DEVELOPMENT: "1" };
  run("npx", ["tsx", "packages/db/src/cli/migrate.ts"], { DATABASE_URL: embeddedUrl });
  const approvalsEmbedded = lastJson<Org & { adminKey: string }>(run("npx", ["tsx", "bench/setup-approvals.ts"], { GATEHOUSE_HOME: home, DATABASE_URL: embeddedUrl }));
  const embeddedApi = await startApi(embeddedEnv, logs("api-embedded"));
  const approveEmbedded = await approveLatency(embeddedApi.url, approvalsEmbedded, approveCount, "embedded");
  await stop(embeddedApi.child);

  step("8. the audit log of every benchmark org");
  const orgIds = (await client.query<{ id: string }>("SELECT id FROM orgs ORDER BY created_at")).rows.map((r) => r.id);
  const verify = (url: string, ids: string[]) =>
    run("npx", ["tsx", "bench/verify-chain.ts", ...ids], { DATABASE_URL: url })
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { orgId?: string; entries: number; valid: boolean })
      .map((r, i) => ({ orgId: r.orgId ?? (ids[i] as string), entries: r.entries, valid: r.valid }));
  const chains = [
    ...verify(env.DATABASE_URL as string, orgIds).map((r) => ({ ...r, database: "postgresql" })),
    ...verify(embeddedUrl, [approvalsEmbedded.orgId]).map((r) => ({ ...r, database: "embedded" })),
  ];
  await stop(embeddedDb);

  const results = {
    machine: { ...machine, postgres, loadavgAtEnd: loadavg().map(round2) },
    command: COMMAND,
    code,
    settings: { SECONDS, WARMUP, REPORT_CONCURRENCY, SHARE_CONCURRENCY, shareBatch, shareRounds, approveCount },
    floors: { nodeHttpEcho: echo, fastifyEcho, pgbenchInsert: pgbench },
    execute: { c32: execute32, c128: { ...execute128, auditEntriesWritten: entries128 } },
    canI,
    twoProcesses: { oneOrg, twoOrgs, oneOrgTotal: sum(oneOrg), twoOrgsTotal: sum(twoOrgs) },
    reportVsExecute: reportRun,
    approve: { embedded: approveEmbedded, postgres: approvePostgres },
    openLoop: { ...openLoop, halfOf: round2(maxRate) },
    shares: {
      content: { ...contentShare, ...share(contentShare) },
      budget: { ...budgetShare, ...share(budgetShare) },
      fromProfile: Object.fromEntries(profileSummary.kinds.filter((k) => k.kind === "content screening" || k.kind === "budget check").map((k) => [k.kind, k.inclusivePercent])),
    },
    auditChains: chains,
    profile: { load: profiledLoad, ...profileSummary },
    canIProfile: { load: profiledCanI, ...canIProfileSummary },
    logProblems: Object.fromEntries(LOGS.map((name) => [name, logProblems(logs(name))])),
  };
  const rows = tableRows(results);
  const stamp = machine.date.replace(/[:.]/g, "-");
  mkdirSync("bench/results", { recursive: true });
  writeFileSync(`bench/results/floors-${stamp}.json`, `${JSON.stringify({ ...results, rows }, null, 2)}\n`);
  writeFileSync(`bench/results/floors-${stamp}.cpuprofile`, JSON.stringify(profile));
  writeFileSync(`bench/results/floors-${stamp}.folded`, foldStacks(profile));
  const profileBytes = statSync(`bench/results/floors-${stamp}.cpuprofile`).size;
  writeFileSync("bench/FLOORS.md", page(results, rows, stamp, profileBytes));
  console.log(JSON.stringify({ rows, chains, logProblems: results.logProblems }, null, 2));
}

type Results = {
  machine: Machine & { postgres: string; loadavgAtEnd: number[] };
  command: string;
  code: { commit: string; uncommittedFiles: number };
  settings: Record<string, number>;
  floors: { nodeHttpEcho: Wrk; fastifyEcho: Wrk; pgbenchInsert: { tps: number; clients: number } };
  execute: { c32: Wrk; c128: Wrk & { auditEntriesWritten: number } };
  canI: Wrk;
  twoProcesses: { oneOrg: Wrk[]; twoOrgs: Wrk[]; oneOrgTotal: number; twoOrgsTotal: number };
  reportVsExecute: { execute: { n: number; p50: number; p99: number }; report: { n: number; p50: number; p99: number } };
  approve: { embedded: { n: number; p50: number; p99: number }; postgres: { n: number; p50: number; p99: number } };
  openLoop: { rate: number; sent: number; errors: number; achieved: number; p50: number; p99: number; halfOf: number };
  shares: {
    content: { rows: Record<string, VariantRow>; cpuRatio: number; rateRatio: number; cpuSharePercent: number; throughputSharePercent: number };
    budget: { rows: Record<string, VariantRow>; cpuRatio: number; rateRatio: number; cpuSharePercent: number; throughputSharePercent: number };
    fromProfile: Record<string, number>;
  };
  auditChains: Array<{ orgId: string; entries: number; valid: boolean; database: string }>;
  profile: ProfileSummary & { load: Wrk };
  canIProfile: ProfileSummary & { load: Wrk };
  logProblems: Record<string, Array<{ message: string; count: number }>>;
};

const perSecond = (w: Wrk) => `${Math.round(w.requestsPerSecond).toLocaleString("en")}/s (p50 ${w.p50ms} ms, p99 ${w.p99ms} ms${w.non2xx ? `, ${w.non2xx} non-2xx` : ""})`;

function tableRows(r: Results): Row[] {
  const pg = r.floors.pgbenchInsert.tps;
  const pgFloor = `pgbench, 32 clients: ${Math.round(pg).toLocaleString("en")} tps`;
  const executeRow = (w: Wrk, c: number): Row => {
    const x = ratio(w.requestsPerSecond, pg);
    return {
      what: `1. durable decisions, \`POST /v1/actions\`, one API process, one org (wrk -c${c})`,
      result: perSecond(w),
      floor: pgFloor,
      ratio: `${x}`,
      target: "≥ 0.30",
      met: x >= 0.3,
    };
  };
  const canIRatio = ratio(r.canI.requestsPerSecond, r.floors.nodeHttpEcho.requestsPerSecond);
  const fastifyRatio = ratio(r.floors.fastifyEcho.requestsPerSecond, r.floors.nodeHttpEcho.requestsPerSecond);
  const pairRatio = ratio(r.twoProcesses.oneOrgTotal, r.twoProcesses.twoOrgsTotal);
  const rv = r.reportVsExecute;
  const reportRatio = ratio(rv.report.p50, rv.execute.p50);
  const chainsValid = r.auditChains.every((c) => c.valid);
  const share = (s: Results["shares"]["content"], what: string, baseline: string): Row => ({
    what,
    result: `${s.cpuSharePercent} % of the API's CPU per decision (${s.rows[Object.keys(s.rows).find((k) => k !== baseline) as string]?.cpuMicrosPerDecision} µs with, ${s.rows[baseline]?.cpuMicrosPerDecision} µs without); ${s.throughputSharePercent} % of the throughput`,
    floor: `the same decisions without it: ${s.rows[baseline]?.decisionsPerSecond}/s, ${SHARE_CONCURRENCY} at a time`,
    ratio: `${s.cpuRatio} (CPU with ÷ without)`,
    target: "≤ 10 %",
    met: s.cpuSharePercent <= 10,
  });
  return [
    executeRow(r.execute.c32, 32),
    executeRow(r.execute.c128, 128),
    {
      what: "2. `canI`, `POST /v1/actions/check` (wrk -c64)",
      result: perSecond(r.canI),
      floor: `bare node:http JSON echo (wrk -c64): ${Math.round(r.floors.nodeHttpEcho.requestsPerSecond).toLocaleString("en")}/s`,
      ratio: `${canIRatio} (÷ the bare Fastify echo: ${ratio(r.canI.requestsPerSecond, r.floors.fastifyEcho.requestsPerSecond)})`,
      target: "≥ 0.5",
      met: canIRatio >= 0.5,
    },
    {
      what: "2′. the ceiling of any Fastify route: a bare Fastify JSON echo, no hooks, no logger (wrk -c64)",
      result: perSecond(r.floors.fastifyEcho),
      floor: `bare node:http JSON echo (wrk -c64): ${Math.round(r.floors.nodeHttpEcho.requestsPerSecond).toLocaleString("en")}/s`,
      ratio: `${fastifyRatio}`,
      target: "— (what 2 can reach on the chosen framework)",
      met: null,
    },
    {
      what: "3. two API processes serving one org (wrk -c64 on each)",
      result: `${Math.round(r.twoProcesses.oneOrgTotal).toLocaleString("en")}/s (${r.twoProcesses.oneOrg.map((w) => Math.round(w.requestsPerSecond)).join(" + ")})`,
      floor: `two API processes serving one org each: ${Math.round(r.twoProcesses.twoOrgsTotal).toLocaleString("en")}/s (${r.twoProcesses.twoOrgs.map((w) => Math.round(w.requestsPerSecond)).join(" + ")})`,
      ratio: `${pairRatio}`,
      target: "≥ 0.8",
      met: pairRatio >= 0.8,
    },
    {
      what: `4. \`report\`, \`POST /v1/actions/:auditEventId/outcome\` (${REPORT_CONCURRENCY} at a time)`,
      result: `p50 ${rv.report.p50} ms, p99 ${rv.report.p99} ms (${rv.report.n} reports)`,
      floor: `execute, same run, same concurrency: p50 ${rv.execute.p50} ms, p99 ${rv.execute.p99} ms (${rv.execute.n})`,
      ratio: `${reportRatio}`,
      target: "report p50 ≤ execute p50 (≤ 1)",
      met: rv.report.p50 <= rv.execute.p50,
    },
    {
      what: "5. the approve call, `POST /v1/admin/approvals/:id/decision`, on the embedded default (PGlite + multiplexer), one at a time",
      result: `p50 ${r.approve.embedded.p50} ms, p99 ${r.approve.embedded.p99} ms (${r.approve.embedded.n} approvals)`,
      floor: `the same call on PostgreSQL: p50 ${r.approve.postgres.p50} ms, p99 ${r.approve.postgres.p99} ms`,
      ratio: `${ratio(r.approve.embedded.p50, r.approve.postgres.p50)}`,
      target: "p50 ≤ 10 ms",
      met: r.approve.embedded.p50 <= 10,
    },
    {
      what: `6. open loop at half the highest execute rate: ${r.openLoop.rate}/s (bench/load.ts)`,
      result: `p99 ${r.openLoop.p99} ms (p50 ${r.openLoop.p50} ms, achieved ${r.openLoop.achieved}/s, ${r.openLoop.errors} errors)`,
      floor: `highest execute rate in 1: ${Math.round(r.openLoop.halfOf).toLocaleString("en")}/s`,
      ratio: "—",
      target: "p99 ≤ 25 ms",
      met: r.openLoop.p99 <= 25 && r.openLoop.errors === 0,
    },
    share(r.shares.content, "7. content screening, default rules (~1.4 KB of ticket metadata, nothing to find)", "off"),
    share(r.shares.budget, "7. budget check (a budget per agent and day on `llm.*`, spend declared)", "none"),
    {
      what: "8. audit log of every benchmark org after the run",
      result: `${r.auditChains.filter((c) => c.valid).length} of ${r.auditChains.length} valid (${r.auditChains.reduce((n, c) => n + c.entries, 0).toLocaleString("en")} entries)`,
      floor: "—",
      ratio: "—",
      target: "valid",
      met: chainsValid,
    },
  ];
}

/** Kinds of work left out of "the three biggest costs": the HTTP floor itself, and the catch-alls. */
const FLOOR_KINDS = [
  "node:http, sockets and streams",
  "other",
  "other npm packages",
  "other node: internals",
  "node: timers, promises, async hooks",
  "V8 and native code outside JavaScript ((program))",
];

const NOTES_START = "<!-- notes: kept as they are when bench/floors.ts rewrites this page -->";
const NOTES_END = "<!-- end of notes -->";

/** What could remove each kind of work from a decision, without changing what a decision means. */
const REMEDIES: Record<string, string> = {
  "pg protocol (node-postgres)":
    "fewer round trips and statements per group-commit batch (one message for the reads, one for the writes), named prepared statements so each Parse is done once per connection, and rows decoded only for the columns read",
  "Prisma client":
    "the remaining Prisma calls on the hot path (key, agent, settings reads) as raw SQL or served from the caches, skipping Prisma's query building and result mapping",
  "JSON serialization and parsing": "serializing each audit entry's canonical form once and reusing it for the hash and the row; answers already go through compiled serializers",
  "random bytes (ids, salts, tokens)":
    "one random fill per batch or per few kilobytes, sliced into the ids, the audit entries' salts and the rate limiter's tokens, instead of a crypto call (and a copy) for each",
  "hashing (SHA-256, HMAC)":
    "hashing each entry's canonical bytes once, and caching the keyed digests that repeat (the API key's, the loop guard's) for as long as the lookups they serve are cached",
  "zod parsing": "compiled validators for the request body (the route's schema is checked by zod on every request), or parsing once and passing the typed value along",
  "logging (pino)": "nothing is logged per request at LOG_LEVEL=warn; any remaining cost is the child logger built per request",
  fastify: "little to remove: routing, hooks and reply handling are the framework's fixed cost",
  "garbage collection": "fewer short-lived objects per decision: the copies of the request, answer and audit entry made on the way",
  "node:http, sockets and streams": "the floor: the same work the echo server does",
  "our decision code (packages/db/src/decisions)":
    "per-request work that could be compiled or cached per org and policy revision (the matching policies for an action type, the loop-guard key)",
  "our engine and contracts (packages/core, packages/contracts)": "per-request work that could be compiled once per policy revision",
  "content screening": "scanning only string values once, with one combined pattern per rule set",
  "budget check": "—",
};

function page(r: Results, rows: Row[], stamp: string, profileBytes: number): string {
  const previous = existsSync("bench/FLOORS.md") ? readFileSync("bench/FLOORS.md", "utf8") : "";
  const notes =
    previous.includes(NOTES_START) && previous.includes(NOTES_END)
      ? previous.slice(previous.indexOf(NOTES_START), previous.indexOf(NOTES_END) + NOTES_END.length)
      : `${NOTES_START}\n${NOTES_END}`;
  const m = r.machine;
  const said = (met: boolean | null) => (met === null ? "—" : met ? "met" : "**not met**");
  const p = r.profile;
  const c = r.canIProfile;
  // What the echo floor does too (HTTP, sockets) and the catch-alls say nothing about what to remove.
  const biggest = p.kinds.filter((k) => !FLOOR_KINDS.includes(k.kind)).slice(0, 3);
  const logLines = Object.entries(r.logProblems)
    .map(([name, problems]) => `- ${name}: ${problems.length === 0 ? "none" : problems.map((x) => `${x.count} × \`${x.message.replaceAll("`", "'")}\``).join("; ")}`)
    .join("\n");
  return `# Floors: the decision path against its baselines (issue 42)

Latest run: \`${r.command}\` (${stamp}); raw numbers in \`bench/results/floors-${stamp}.json\`, the CPU profile in
\`bench/results/floors-${stamp}.cpuprofile\` (${(profileBytes / 1e6).toFixed(1)} MB) and its folded stacks in \`bench/results/floors-${stamp}.folded\`.
Machine: ${m.cpus} cores (${m.cpuModel}), node ${m.node}, ${m.postgres}; load average ${m.loadavgAtStart.join(" ")} at start, ${m.loadavgAtEnd.join(" ")} at end.
Code: commit ${r.code.commit}${r.code.uncommittedFiles === 0 ? ", no uncommitted change under apps/ and packages/" : `, with ${r.code.uncommittedFiles} uncommitted files under apps/ and packages/`}.
Everything — wrk, pgbench, the API processes, PostgreSQL, Redis and the client code — shares these cores, and other
work on the host moves the numbers: read the ratios (each floor measured minutes apart from its figure, in the same run) rather than the absolute rates.
Each measurement ran ${r.settings.SECONDS} s after a ${r.settings.WARMUP} s warm-up of its API process.

| what | result | floor measured in the same run | ratio | target | |
|---|---|---|---|---|---|
${rows.map((row) => `| ${row.what} | ${row.result} | ${row.floor} | ${row.ratio} | ${row.target} | ${said(row.met)} |`).join("\n")}

How each is measured:
- 1–3 use wrk with the body of \`npm run bench\` (\`svc1.read\`, 100 policies), each call's metadata different (a loop
  otherwise); 3 runs two wrk at once, each -t1 -c64, one per API process; "one org" sends the same agent's calls to both
  processes, "one org each" sends a second org's (same policies) to the second. In 1 at -c128, ${r.execute.c128.auditEntriesWritten.toLocaleString("en")} audit entries were written for
  ${r.execute.c128.requests.toLocaleString("en")} answers counted by wrk (calls in flight when it stopped are committed after it stops counting).
- 4 alternates batches of 200 executes and 200 reports of those same actions (\`{ "status": "success" }\`), ${REPORT_CONCURRENCY} at a time, from
  node's fetch, for ${r.settings.SECONDS} s; the first round is left out as warm-up.
- 5 runs the embedded default as \`npm start\` does (\`bench/embedded-database.ts\` serves PGlite through
  \`scripts/lib/pglite-multiplexer.ts\` in a process of its own; no Redis, the same migrations, one API process; the worker
  and the console are not started). ${r.settings.approveCount} approvals of \`pr.merge\` (quorum 1) are requested, then approved by the owner's admin key one at a time
  (the first 10 left out). The same call against PostgreSQL stands beside it.
- 6 is bench/load.ts: requests sent on schedule whatever happened to earlier ones, latency from the scheduled time.
- 7 compares two orgs on one API process, alternating batches of ${r.settings.shareBatch} decisions in ${r.settings.shareRounds} rounds (${SHARE_CONCURRENCY} at a time, in a new
  order every round): the org with the default content rules against one with \`content: { secrets: off, personalData: off }\`,
  and an org whose \`llm.*\` policy states a budget against one whose policy does not (bench/setup-content.ts,
  bench/setup-budgets.ts). The share is 1 − (CPU without ÷ CPU with), the API process's own CPU time per decision from
  /proc (the figure least moved by the rest of the host), median of the rounds' ratios; the throughput share beside it
  is 1 − (rate with ÷ rate without). From the profile (the \`svc1.read\` body: three short metadata values, no budget),
  the frames of content screening are on the stack in ${r.shares.fromProfile["content screening"] ?? 0} % of the busy samples and the budget check in ${r.shares.fromProfile["budget check"] ?? 0} %.
- 8 recomputes every leaf and chain hash of each org's log (bench/verify-chain.ts): ${r.auditChains.map((c) => `${c.entries.toLocaleString("en")} ${c.valid ? "valid" : "**invalid**"} (${c.database})`).join(", ")}.

Warnings and errors in the processes' logs (pino level ≥ 40, and lines that are not JSON), from start to stop:
${logLines}

## CPU profile of the API under execute

One more API process, started with \`node --cpu-prof\`, under wrk -c32 on \`POST /v1/actions\` (${perSecond(p.load)} while
profiled), the profile cut to the ${r.settings.SECONDS} s of load: ${p.samples.toLocaleString("en")} samples every ~${p.sampleIntervalMicros} µs, ${p.busySamples.toLocaleString("en")} of them busy (not idle). Shares below
are of the busy samples. To look at it: open the \`.cpuprofile\` in Chrome DevTools (Performance → Load profile) or drop it
or the \`.folded\` file on speedscope; \`flamegraph.pl\` or inferno-flamegraph turn the \`.folded\` file into an SVG.

Own time by kind of work (a sample's time goes to the innermost frame of a known kind, so V8 builtins count for
their caller; "inclusive" is the share of samples with such a frame anywhere on the stack):

| kind of work | own time | inclusive |
|---|---:|---:|
${p.kinds.map((k) => `| ${k.kind} | ${k.selfPercent} % | ${k.inclusivePercent} % |`).join("\n")}

Top functions by own time:

| function | own time |
|---|---:|
${p.topSelf.map((f) => `| \`${f.frame}\` | ${f.percent} % |`).join("\n")}

Top packages and folders by inclusive time:

| package or folder | inclusive |
|---|---:|
${p.topInclusiveByPackage.map((f) => `| \`${f.package}\` | ${f.percent} % |`).join("\n")}

The three biggest costs in this run's profile by own time, beyond what the echo floor does too (HTTP and sockets) and
the catch-alls, and what could remove them without changing what a decision does (the notes below say more):
${biggest.map((k, i) => `${i + 1}. ${k.kind}, ${k.selfPercent} % (inclusive ${k.inclusivePercent} %): ${REMEDIES[k.kind] ?? "—"}.`).join("\n")}

## CPU profile of the API under canI

The same process, after the execute load, under wrk -c64 on \`POST /v1/actions/check\` (${perSecond(c.load)} while profiled), cut to
its ${r.settings.SECONDS} s: ${c.samples.toLocaleString("en")} samples, ${c.busySamples.toLocaleString("en")} busy. canI writes nothing: what it pays beyond the bare Fastify
echo (2′) is reading the call (zod, the content screen), the snapshots, the loop counter's peek in Redis and the plan.

| kind of work | own time | inclusive |
|---|---:|---:|
${c.kinds
  .filter((k) => k.selfPercent > 0 || k.inclusivePercent > 0)
  .map((k) => `| ${k.kind} | ${k.selfPercent} % | ${k.inclusivePercent} % |`)
  .join("\n")}

Top functions by own time:

| function | own time |
|---|---:|
${c.topSelf.map((f) => `| \`${f.frame}\` | ${f.percent} % |`).join("\n")}

## Notes

${notes}
`;
}

await main();

// `npm run bench:fairness`: another org's decision latency while one org runs expensive work at full
// speed (issue 24), beside the same decisions without load, measured in the same run against one API
// process (the shipped pool of 10: expensive work gets 2 slots, 2 per org; docs/adr/0015-fair-shares.md):
//   (a) 50 event replays from 0: GET /v1/events with Last-Event-ID: 0 by the heavy org (5 keys × 10,
//       the per-key cap; 50 is the per-org cap), half reading as fast as they can and starting over
//       at the end of each replay, half reading one chunk every 100 ms; the replay is the last
//       10,000 entries of the log (the replay window) or the whole seeded log if smaller; the readers
//       run in a process of their own (bench/event-readers.ts), so reading does not slow the timing;
//   (b) a pattern bomb: canI and execute by the heavy org's agents, SENDERS at once, on the worst patterns
//       the schemas accept (bench/fairness-bombs.ts): 8-star action, agent and capability patterns
//       against 128-character action types, `matches` conditions at the 300-instruction cap given
//       values that spend the decision's whole match budget, and a 60,000-character value past it;
//   (c) hostile drafts: SENDERS senders of bench/hostile-drafts.ts (every source and set bomb of the
//       tests, and a legal but heavy draft saved and published), as `npm run bench:parsers` sends them;
//   (d) a replay loop: 4 loops of POST /v1/admin/policies/simulate over BENCH_DECISIONS recorded decisions;
//   (e) bursts of 100 delegations at once (one agent per burst, the default cap of active children);
//   (f) 20 verifications of a BENCH_ENTRIES-entry log kept in flight (POST /v1/audit/verify).
// The other org decides one call after another (POST /v1/actions) for BENCH_SECONDS in each phase;
// the heavy org's answers are counted by status (no 503 expected; 429 past its queue or its stream caps).
// Parameters (environment): BENCH_SECONDS (30) per phase, BENCH_ENTRIES (1,000,000) and
// BENCH_DECISIONS (200,000) seeded; a quick check: BENCH_SECONDS=5 BENCH_ENTRIES=20000 BENCH_DECISIONS=5000.
// Each phase's load runs in a process of its own at nice 10 (loadInChild): the heavy org's client would be on
// machines of its own, and here it must not delay the timing loop's event loop nor outrank the API for the cores.
// Needs PostgreSQL (DATABASE_URL's server) and Redis, like `npm run bench`. Run under the heavy lock.
// Writes bench/results/fairness-<timestamp>.json and bench/FAIRNESS.md. BENCH_PHASES (a quick check of some
// phases: a comma-separated subset of baseline, sse-replays, patterns, drafts, replay, delegations, verify, after)
// runs only those and records nothing; by default every phase runs.
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { LONG_ACTION, MATCH_FIELDS, STAR_BOMB } from "./fairness-bombs";
import { sendHostileDrafts } from "./hostile-drafts";
import { background, benchRun, log, recordResults, root, run, waitFor } from "./lib";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
/** Concurrent senders of the pattern bomb and of hostile drafts. */
const SENDERS = 4;
const STREAMS = 50;
/** Events a replay from 0 reads at most (EVENT_FEED_LIMITS.replayWindow). */
const REPLAY_WINDOW = 10_000;
const PORT = "4937";
const api = `http://127.0.0.1:${PORT}`;
const round2 = (v: number) => Math.round(v * 100) / 100;
const PHASES = ["baseline", "control", "sse-replays", "patterns", "drafts", "replay", "delegations", "verify", "after"] as const;
const SELECTED = process.env.BENCH_PHASES ? new Set(process.env.BENCH_PHASES.split(",").map((name) => name.trim())) : null;
for (const name of SELECTED ?? []) if (!(PHASES as readonly string[]).includes(name)) throw new Error(`BENCH_PHASES: '${name}' is not a phase (${PHASES.join(", ")})`);

interface Setup {
  heavy: { orgId: string; adminKey: string; burstKeys: string[]; bomberKey: string; streamKeys: string[]; lastSeq: number };
  other: { agentKey: string };
  seeded: { entries: number; decisions: number; seconds: number };
}

interface Latency {
  n: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
}

function latency(values: number[], errors: number): Latency {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => round2(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN);
  return { n: sorted.length, p50: at(50), p99: at(99), max: round2(sorted[sorted.length - 1] ?? Number.NaN), errors };
}

async function send(method: string, path: string, key: string, body?: unknown): Promise<number> {
  const response = await fetch(`${api}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  await response.arrayBuffer();
  return response.status;
}

/** The other org's decisions, one after another, until `until`. */
async function decide(key: string, until: number): Promise<Latency> {
  const times: number[] = [];
  let errors = 0;
  for (let i = 0; Date.now() < until; i += 1) {
    const started = performance.now();
    const status = await send("POST", "/v1/actions", key, { actionType: "pr.open", metadata: { i } });
    times.push(performance.now() - started);
    if (status !== 200) errors += 1;
  }
  return latency(times, errors);
}

/** A decision's HTTP status with what it decided: "200 executed", "200 denied CONDITION_LIMIT", "429". */
async function decided(path: string, key: string, body: unknown): Promise<string> {
  const response = await fetch(`${api}${path}`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await response.text();
  if (response.status !== 200) return String(response.status);
  const result = JSON.parse(text) as { status: string; denialReason?: string };
  return ["200", result.status, result.denialReason].filter(Boolean).join(" ");
}

type Statuses = Record<string, number>;
const count = (statuses: Statuses, status: number | string) => void (statuses[status] = (statuses[status] ?? 0) + 1);

/** Runs bench/event-readers.ts (its own process) for the phase; adds its answers to `statuses`. */
async function eventReaders(keys: string[], lastSeq: number, until: number, statuses: Statuses): Promise<void> {
  const seconds = String(Math.max(0, (until - Date.now()) / 1000));
  const child = spawn(process.execPath, ["--import", "tsx", "bench/event-readers.ts", api, seconds, String(STREAMS), String(lastSeq), ...keys], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`bench/event-readers.ts exited with ${code}`);
  for (const [status, n] of Object.entries(JSON.parse(out.trim().split("\n").pop() as string) as Statuses)) statuses[status] = (statuses[status] ?? 0) + n;
}

/** What the heavy org runs in each phase, until `until`, counting its answers in `statuses`. */
const LOADS: Record<(typeof PHASES)[number], (setup: Setup, until: number, statuses: Statuses) => Promise<void>> = {
  baseline: async () => {},
  after: async () => {},
  // The machine's floor (spinCore, started by `phase` at nice 0): no request to Gatehouse.
  control: async () => {},
  "sse-replays": (setup, until, statuses) => eventReaders(setup.heavy.streamKeys, setup.heavy.lastSeq, until, statuses),
  patterns: async (setup, until, statuses) => {
    const delegated = await fetch(`${api}/v1/delegations`, {
      method: "POST",
      headers: { authorization: `Bearer ${setup.heavy.bomberKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "bomb", capabilities: [STAR_BOMB], ttlSeconds: 3600 }),
    });
    if (delegated.status !== 201) throw new Error(`the bomb's delegation answered ${delegated.status}: ${await delegated.text()}`);
    const delegate = ((await delegated.json()) as { apiKey: string }).apiKey;
    const bomber = setup.heavy.bomberKey;
    const spread = Object.fromEntries(MATCH_FIELDS.map((f) => [f, "a".repeat(20)])); // 8 × 21 × 293 instructions: the whole budget
    const calls: Array<[string, string, unknown]> = [
      [bomber, "/v1/actions/check", { actionType: LONG_ACTION }],
      [delegate, "/v1/actions/check", { actionType: LONG_ACTION }],
      [bomber, "/v1/actions", { actionType: "bomb.run", metadata: spread }],
      [bomber, "/v1/actions/check", { actionType: "bomb.run", metadata: { c0: "a".repeat(169) } }], // 170 × 293: the whole budget
      [bomber, "/v1/actions/check", { actionType: "bomb.run", metadata: { c0: "a".repeat(60_000) } }], // past it: CONDITION_LIMIT
    ];
    await Promise.all(
      Array.from({ length: SENDERS }, async (_, sender) => {
        for (let i = sender; Date.now() < until; i += 1) {
          const [key, path, body] = calls[i % calls.length] as [string, string, unknown];
          count(statuses, await decided(path, key, body));
        }
      }),
    );
  },
  drafts: async (setup, until, statuses) => {
    const stop = { done: false };
    const timer = setTimeout(() => (stop.done = true), Math.max(0, until - Date.now()));
    await Promise.all(Array.from({ length: SENDERS }, () => sendHostileDrafts(api, setup.heavy.adminKey, stop, statuses)));
    clearTimeout(timer);
  },
  replay: async (setup, until, statuses) => {
    const body = { policies: [{ name: "allow-open", actions: ["pr.open"], effect: "allow" }], days: 30 };
    await Promise.all(
      [0, 1, 2, 3].map(async () => {
        while (Date.now() < until) count(statuses, await send("POST", "/v1/admin/policies/simulate", setup.heavy.adminKey, body));
      }),
    );
  },
  delegations: async (setup, until, statuses) => {
    for (let burst = 0; Date.now() < until && burst < setup.heavy.burstKeys.length; burst += 1) {
      const key = setup.heavy.burstKeys[burst] as string;
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) => send("POST", "/v1/delegations", key, { name: `b${burst + 1}-${i}`, capabilities: ["pr.open"], ttlSeconds: 3600 })),
      );
      for (const status of answers) count(statuses, status);
    }
  },
  verify: async (setup, until, statuses) => {
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (Date.now() < until) {
          const status = await send("POST", "/v1/audit/verify", setup.heavy.adminKey);
          count(statuses, status);
          // A refused call comes back after its Retry-After, as the SDK does.
          if (status === 429) await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
      }),
    );
  },
};

/**
 * Runs a phase's load in a process of its own at a lower CPU priority (nice 10): the heavy org's client
 * would run on machines of its own; here it shares the two cores with the API, PostgreSQL and the timing
 * loop, so it must neither delay the timing loop's own event loop nor take the API's CPU beyond what its
 * requests cost the server. Answers the heavy org's statuses.
 */
async function loadInChild(key: (typeof PHASES)[number], setup: Setup, until: number): Promise<Statuses> {
  const child = spawn("nice", ["-n", "10", process.execPath, "--import", "tsx", "bench/fairness.ts"], {
    cwd: root,
    env: { ...process.env, FAIRNESS_LOAD: key, FAIRNESS_UNTIL: String(until), FAIRNESS_SETUP: JSON.stringify(setup) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`the ${key} load exited with ${code}`);
  return JSON.parse(out.trim().split("\n").pop() as string) as Statuses;
}

/**
 * The machine's floor, for reading the other rows: one core kept busy until `until` by a process that has
 * nothing to do with Gatehouse, at nice 0 (as PostgreSQL's backends run), started from this process so
 * it does not inherit the loads' nice 10.
 */
async function spinCore(until: number): Promise<void> {
  const spinner = spawn(process.execPath, ["-e", `const end = ${until}; while (Date.now() < end) {}`], { stdio: "ignore" });
  await new Promise((resolve) => spinner.once("exit", resolve));
}

/** Runs the phase's load (which stops by itself at `until`) beside the other org's decisions; a phase left out of BENCH_PHASES measures nothing. */
async function phase(key: (typeof PHASES)[number], name: string, setup: Setup): Promise<{ decisions: Latency; heavy: Statuses }> {
  if (SELECTED && !SELECTED.has(key)) return { decisions: latency([], 0), heavy: {} };
  log(`phase: ${name}`);
  const until = Date.now() + SECONDS * 1000;
  const loadDone = key === "control" ? spinCore(until).then(() => ({})) : loadInChild(key, setup, until);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const decisions = await decide(setup.other.agentKey, until);
  const statuses = await loadDone;
  log(`${name}: decisions ${JSON.stringify(decisions)}, heavy org ${JSON.stringify(statuses)}`);
  return { decisions, heavy: statuses };
}

async function main(): Promise<void> {
  await benchRun(async ({ machine, env }) => {
    log("seeding the heavy org (BENCH_ENTRIES audit entries, BENCH_DECISIONS decisions)");
    const setup = JSON.parse(run("npx", ["tsx", "bench/setup-fairness.ts"], env).trim().split("\n").pop() as string) as Setup;
    log(`seeded ${JSON.stringify(setup.seeded)}`);
    background(process.execPath, ["--import", "tsx", "apps/api/src/main.ts"], { ...env, API_PORT: PORT });
    await waitFor(`${api}/healthz`);
    await decide(setup.other.agentKey, Date.now() + 2_000);
    const verifySeconds = await (async () => {
      const started = performance.now();
      await send("POST", "/v1/audit/verify", setup.heavy.adminKey);
      return round2((performance.now() - started) / 1000);
    })();
    log(`one verification alone: ${verifySeconds} s`);

    const baseline = await phase("baseline", "no load", setup);
    const control = await phase("control", "no Gatehouse load, one core kept busy (the machine's floor)", setup);
    // First, while the log's last entries are the seeded ones: a replay from 0 then reads the whole window.
    const events = await phase("sse-replays", `${STREAMS} event replays from 0`, setup);
    const patterns = await phase("patterns", "a pattern bomb", setup);
    const drafts = await phase("drafts", "hostile drafts", setup);
    const replay = await phase("replay", "replay loop (4 loops)", setup);
    const delegations = await phase("delegations", "100 delegations at once, burst after burst", setup);
    const verify = await phase("verify", "20 verifications in flight", setup);
    const after = await phase("after", "no load, again", setup);

    const results = {
      machine: { ...machine, loadavgAtEnd: loadavg().map(round2) },
      settings: { SECONDS, poolSize: 10, senders: SENDERS, streams: STREAMS, replayWindow: REPLAY_WINDOW },
      seeded: setup.seeded,
      verifySeconds,
      phases: { baseline, control, events, patterns, drafts, replay, delegations, verify, after },
      goal: { p99WithinTimesBaseline: 2, p99MaxMs: 100 },
    };
    if (SELECTED) console.log(JSON.stringify(results, null, 2));
    else recordResults("fairness", "FAIRNESS", machine.date, results, (stamp) => summary(results, stamp));
  });
}

type Results = {
  machine: { cpus: number; cpuModel: string; node: string; loadavgAtStart: number[]; loadavgAtEnd: number[] };
  settings: { SECONDS: number; poolSize: number; senders: number; streams: number; replayWindow: number };
  seeded: Setup["seeded"];
  verifySeconds: number;
  phases: Record<"baseline" | "control" | "events" | "patterns" | "drafts" | "replay" | "delegations" | "verify" | "after", { decisions: Latency; heavy: Statuses }>;
};

function summary(r: Results, stamp: string): string {
  const base = r.phases.baseline.decisions;
  const row = (name: string, p: { decisions: Latency; heavy: Statuses }, baseline: boolean) => {
    const d = p.decisions;
    const goal = baseline ? "baseline" : d.p99 <= 2 * base.p99 && d.p99 <= 100 ? "met" : "**missed**";
    const heavy = Object.entries(p.heavy)
      .map(([status, n]) => `${n} × ${status}`)
      .join(", ");
    return `| ${name} | ${d.n} | ${d.p50} | ${d.p99} | ${d.max} | ${d.errors} | ${heavy || "—"} | ${goal} |`;
  };
  return `# Fairness: another org's decisions while one org runs expensive work (issue 24)

\`npm run bench:fairness\` — one API process (pool of ${r.settings.poolSize}), two orgs. The heavy org holds
${r.seeded.entries.toLocaleString("en")} audit entries and ${r.seeded.decisions.toLocaleString("en")} recorded decisions (seeded in ${r.seeded.seconds} s);
one verification of its log alone took ${r.verifySeconds} s. Each phase runs ${r.settings.SECONDS} s; the other org decides one
call after another (\`POST /v1/actions\`) meanwhile. Machine: ${r.machine.cpus} cores (${r.machine.cpuModel}), ${r.machine.node},
load ${r.machine.loadavgAtStart.join(" ")} at start, ${r.machine.loadavgAtEnd.join(" ")} at end (PostgreSQL, the API and the load generator share the cores;
each phase's load runs in a process of its own at nice 10, as the heavy org's client would run on machines of its own).
Results: \`bench/results/fairness-${stamp}.json\`. Goal: p99 within 2× the no-load p99 and ≤ 100 ms.

| the heavy org runs | other org's decisions | p50 ms | p99 ms | max ms | errors | heavy org's answers | goal |
|---|---|---|---|---|---|---|---|
${row("nothing (baseline)", r.phases.baseline, true)}
${row("nothing; one core kept busy outside Gatehouse (the machine's floor, for reading the rest)", r.phases.control, true)}
${row(`${r.settings.streams} event replays from 0 (half fast, half slow readers)`, r.phases.events, false)}
${row(`a pattern bomb (${r.settings.senders} senders: canI and execute)`, r.phases.patterns, false)}
${row(`hostile drafts (${r.settings.senders} senders)`, r.phases.drafts, false)}
${row("a replay loop (4 loops of simulate)", r.phases.replay, false)}
${row("100 delegations at once, burst after burst", r.phases.delegations, false)}
${row("20 verifications in flight", r.phases.verify, false)}
${row("nothing, again", r.phases.after, true)}

What the heavy org runs, each phase at full speed (bench/fairness.ts says how):
- event replays: ${r.settings.streams} \`GET /v1/events\` with \`Last-Event-ID: 0\` (5 keys × 10, the per-key cap; ${r.settings.streams} is the per-org
  cap), each replaying the last ${Math.min(r.settings.replayWindow, r.seeded.entries).toLocaleString("en")} entries (the replay window, or the whole seeded log); half read as fast as they can and
  start over at the end ("replayed" counts finished replays), half take a chunk every 100 ms;
- a pattern bomb: canI and execute on the worst patterns the schemas accept (bench/fairness-bombs.ts): 8-star
  action, agent and capability patterns against 128-character action types, \`matches\` conditions at the
  300-instruction cap with values that spend a decision's whole match budget, and a 60,000-character value past
  it (CONDITION_LIMIT);
- hostile drafts: every source and set bomb of the parser tests and a legal but heavy draft saved and published
  (bench/hostile-drafts.ts, as \`npm run bench:parsers\`);
- a replay loop, delegation bursts and verifications as before (the heavy org's 429s are its own queue or caps,
  with \`Retry-After\`).

The two no-load runs bracket the host's own noise (other work shares the two cores). "missed" means the
other org's p99 was more than 2× the first no-load p99 or over 100 ms.
`;
}

if (process.env.FAIRNESS_LOAD) {
  // A phase's load, in its own process (loadInChild): prints the heavy org's statuses as its last line.
  const statuses: Statuses = {};
  await LOADS[process.env.FAIRNESS_LOAD as (typeof PHASES)[number]](JSON.parse(process.env.FAIRNESS_SETUP as string) as Setup, Number(process.env.FAIRNESS_UNTIL), statuses);
  console.log(JSON.stringify(statuses));
} else {
  await main();
}

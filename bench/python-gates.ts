// `npm run bench:python`: the Python SDK's AsyncGatehouse waiting on approvals, with the TypeScript SDK's
// Gatehouse as the baseline in the same run. As in bench/gates.ts: two API processes over one database and
// Redis, A holds the waits and B takes the decisions, sent by the deciding side in its own process
// (bench/gates-decide.ts), which reports when each decision's commit was seen (its `approvals.changed` signal).
// The Python gates run in bench/python_gates.py (PYTHON, default python3, with httpx; the SDK from
// packages/sdk-python/src); the TypeScript gates in this process. Both SDKs on one agent key, `deploy.*`
// needing one approval; they take turns, so both run under the same load.
//  1. the floor: one gate at a time, decided alone; FLOOR_SAMPLES per SDK (after a first gate each, on the fresh
//     APIs, reported apart), commit → gate() returning;
//  2. GATES (200) concurrent gate() calls of one client, all decided by one bulk decision; ROUNDS rounds per
//     SDK; per gate, the commit → its gate() returning; and the client's POST /v1/approvals/wait requests.
// Commit and return are both read from this machine's wall clock (Date.now(), Python's time.time()).
// Writes bench/results/python-gates-<timestamp>.json and bench/PYTHON.md.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { Gatehouse } from "../packages/sdk/src/index.ts";
import { background, benchRun, children, log, percentile, recordResults, root, run, waitFor, type Machine } from "./lib";

const GATES = Number(process.env.BENCH_GATES ?? 200);
/** Gates started so far, so no two carry the same metadata. */
let calls = 0;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const FLOOR_SAMPLES = Number(process.env.BENCH_FLOOR_SAMPLES ?? 30);
const PYTHON = process.env.PYTHON ?? "python3";
const PORT_A = 4951;
const PORT_B = 4952;

interface Setup {
  orgId: string;
  agentKey: string;
  adminKey: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A child process answering one JSON line on stdout for each JSON line on its stdin. */
class LineChild {
  readonly #child: ChildProcess;
  readonly #lines: AsyncIterator<string>;
  constructor(
    readonly name: string,
    command: string,
    args: string[],
    env: Record<string, string>,
  ) {
    this.#child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "inherit"] });
    children.push(this.#child);
    this.#lines = createInterface({ input: this.#child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  }
  send(value: object): void {
    this.#child.stdin?.write(`${JSON.stringify(value)}\n`);
  }
  async next(): Promise<string> {
    const line = await this.#lines.next();
    if (line.done) throw new Error(`${this.name} exited (its stderr is above)`);
    return line.value;
  }
}

/** When the decision call returned, and when each approval's commit was seen. */
interface Decided {
  sentAt: number;
  returnedAt: number;
  committedAt: Map<string, number>;
}

async function decide(decider: LineChild, apiUrl: string, setup: Setup, approvalIds: string[]): Promise<Decided> {
  decider.send({ apiUrl, adminKey: setup.adminKey, orgId: setup.orgId, approvalIds, decision: "approve" });
  const answer = JSON.parse(await decider.next()) as { error?: string; sentAt: number; returnedAt: number; committedAt: Record<string, number> };
  if (answer.error) throw new Error(answer.error);
  return { sentAt: answer.sentAt, returnedAt: answer.returnedAt, committedAt: new Map(Object.entries(answer.committedAt)) };
}

/** How a fan-out ended: when each gate returned (wall clock, ms), how, and the client's wait requests meanwhile. */
interface Finished {
  resolvedAt: Map<string, number>;
  outcome: Map<string, string>;
  waitRequests: number;
}

/** One SDK's client: `start` resolves with the approvals once all `count` gates have one, `finish` once all returned. */
interface Fleet {
  sdk: "python" | "typescript";
  start(count: number): Promise<string[]>;
  finish(): Promise<Finished>;
}

function pythonFleet(env: Record<string, string>, setup: Setup, apiUrl: string): { fleet: Fleet; ready: Promise<{ python: string; httpx: string }> } {
  const child = new LineChild("python_gates.py", PYTHON, ["bench/python_gates.py"], {
    ...env,
    PYTHONPATH: "packages/sdk-python/src",
    GATEHOUSE_API_KEY: setup.agentKey,
    GATEHOUSE_BASE_URL: apiUrl,
  });
  const fleet: Fleet = {
    sdk: "python",
    async start(count) {
      child.send({ gates: count });
      return (JSON.parse(await child.next()) as { approvals: string[] }).approvals;
    },
    async finish() {
      const done = JSON.parse(await child.next()) as { resolvedAt: Record<string, number>; outcome: Record<string, string>; waitRequests: number };
      return { resolvedAt: new Map(Object.entries(done.resolvedAt)), outcome: new Map(Object.entries(done.outcome)), waitRequests: done.waitRequests };
    },
  };
  return { fleet, ready: child.next().then((line) => JSON.parse(line) as { python: string; httpx: string }) };
}

function typescriptFleet(setup: Setup, apiUrl: string): Fleet {
  let waitRequests = 0;
  const gh = new Gatehouse({
    apiKey: setup.agentKey,
    baseUrl: apiUrl,
    fetch: (url, init) => {
      if (new URL(url).pathname === "/v1/approvals/wait") waitRequests += 1;
      return fetch(url, init);
    },
  });
  let all: Promise<Finished> | undefined;
  return {
    sdk: "typescript",
    async start(count) {
      waitRequests = 0;
      const approvals: string[] = [];
      const resolvedAt = new Map<string, number>();
      const outcome = new Map<string, string>();
      const gates = Array.from({ length: count }, (_, i) => {
        let approvalId = "";
        return gh
          .gate("deploy.production", {
            // `call` differs across rounds too: the same gate again and again is a loop (docs/loops.md).
            metadata: { i, call: (calls += 1) },
            onRequested: (r) => {
              approvalId = r.approvalId ?? "";
              approvals.push(approvalId);
            },
          })
          .then(
            (result) => result.status,
            (error: unknown) => `error: ${String(error)}`,
          )
          .then((status) => {
            resolvedAt.set(approvalId, Date.now());
            outcome.set(approvalId, status);
          });
      });
      all = Promise.all(gates).then(() => ({ resolvedAt, outcome, waitRequests }));
      const deadline = Date.now() + 120_000;
      while (approvals.length < count) {
        if (Date.now() > deadline) throw new Error(`only ${approvals.length} of ${count} gates got an approval`);
        await sleep(5);
      }
      return approvals;
    },
    finish: () => all ?? Promise.reject(new Error("no gates started")),
  };
}

interface Stats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

function stats(values: readonly number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 100) / 100;
  const at = (p: number) => round(percentile(sorted, p));
  return { n: sorted.length, p50: at(50), p95: at(95), p99: at(99), max: round(sorted.at(-1) ?? Number.NaN) };
}

/** Each turn, both SDKs, the one that goes first alternating. */
const inTurn = (fleets: readonly Fleet[], turn: number) => (turn % 2 === 0 ? fleets : [...fleets].reverse());

/** One gate, decided alone: its commit → its gate() returning. */
async function single(fleet: Fleet, b: string, setup: Setup, decider: LineChild): Promise<number> {
  const [id] = (await fleet.start(1)) as [string];
  await sleep(100); // its wait parked on A
  const decided = await decide(decider, b, setup, [id]);
  const done = await fleet.finish();
  if (done.outcome.get(id) !== "executed") throw new Error(`${fleet.sdk} gate ended ${done.outcome.get(id)}`);
  return Math.round(((done.resolvedAt.get(id) as number) - (decided.committedAt.get(id) as number)) * 100) / 100;
}

/**
 * 1. One gate at a time, decided alone (the floor, and the quickstart's gate()). The first wait a fresh API
 * process answers comes 150–300 ms late whichever SDK sent it, so one gate per SDK goes first, reported apart.
 */
async function floor(fleets: readonly Fleet[], b: string, setup: Setup, decider: LineChild) {
  const firstGateMs = new Map<Fleet["sdk"], number>();
  for (const fleet of fleets) firstGateMs.set(fleet.sdk, await single(fleet, b, setup, decider));
  const latencies = new Map<Fleet["sdk"], number[]>(fleets.map((f) => [f.sdk, []]));
  for (let i = 0; i < FLOOR_SAMPLES; i += 1) {
    for (const fleet of inTurn(fleets, i)) latencies.get(fleet.sdk)?.push(await single(fleet, b, setup, decider));
  }
  return Object.fromEntries(fleets.map((f) => [f.sdk, { firstGateMs: firstGateMs.get(f.sdk) as number, commitToReturnMs: stats(latencies.get(f.sdk) ?? []) }])) as Record<
    Fleet["sdk"],
    { firstGateMs: number; commitToReturnMs: Stats }
  >;
}

interface Round {
  continued: number;
  lastMsAfterCommit: number;
  decisionCallMs: number;
  waitRequests: number;
}

/** 2. GATES concurrent gates of one client, decided together by one bulk decision, ROUNDS rounds per SDK. */
async function many(fleets: readonly Fleet[], b: string, setup: Setup, decider: LineChild) {
  const per = new Map(fleets.map((f) => [f.sdk, { fromCommit: [] as number[], fromReturn: [] as number[], rounds: [] as Round[] }]));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const fleet of inTurn(fleets, round)) {
      const mine = per.get(fleet.sdk) as { fromCommit: number[]; fromReturn: number[]; rounds: Round[] };
      const approvals = await fleet.start(GATES);
      await sleep(1000); // the shared wait re-issued with every approval and parked on A
      const decision = await decide(decider, b, setup, approvals);
      const done = await fleet.finish();
      for (const id of approvals) {
        const at = done.resolvedAt.get(id) as number;
        mine.fromCommit.push(at - (decision.committedAt.get(id) as number));
        mine.fromReturn.push(at - decision.returnedAt);
      }
      const last = Math.max(...approvals.map((id) => done.resolvedAt.get(id) as number));
      mine.rounds.push({
        continued: approvals.filter((id) => done.outcome.get(id) === "executed").length,
        lastMsAfterCommit: Math.round(last - Math.max(...decision.committedAt.values())),
        decisionCallMs: decision.returnedAt - decision.sentAt,
        waitRequests: done.waitRequests,
      });
      log(`round ${round + 1}, ${fleet.sdk}: ${mine.rounds.at(-1)?.continued} of ${GATES} continued, the last ${mine.rounds.at(-1)?.lastMsAfterCommit} ms after the commit`);
    }
  }
  return Object.fromEntries(
    [...per].map(([sdk, m]) => [sdk, { rounds: m.rounds, commitToReturnMs: stats(m.fromCommit), decisionReturnedToReturnMs: stats(m.fromReturn) }]),
  ) as Record<Fleet["sdk"], { rounds: Round[]; commitToReturnMs: Stats; decisionReturnedToReturnMs: Stats }>;
}

interface Results {
  machine: Machine & { python: string; httpx: string };
  gates: number;
  floor: Awaited<ReturnType<typeof floor>>;
  many: Awaited<ReturnType<typeof many>>;
}

await benchRun(async ({ machine, env }) => {
  const setup = JSON.parse(run("npx", ["tsx", "bench/setup-approvals.ts"], env).trim().split("\n").pop() as string) as Setup;
  background(process.execPath, ["--import", "tsx", "apps/api/src/main.ts"], { ...env, API_PORT: String(PORT_A) });
  background(process.execPath, ["--import", "tsx", "apps/api/src/main.ts"], { ...env, API_PORT: String(PORT_B) });
  const a = `http://127.0.0.1:${PORT_A}`;
  const b = `http://127.0.0.1:${PORT_B}`;
  const decider = new LineChild("gates-decide.ts", process.execPath, ["--import", "tsx", "bench/gates-decide.ts"], env);
  const python = pythonFleet(env, setup, a);
  const [, , ready, versions] = await Promise.all([waitFor(`${a}/healthz`), waitFor(`${b}/healthz`), decider.next(), python.ready]);
  if (ready !== "ready") throw new Error(`decider did not start: ${ready}`);
  // The quickstart's policy: every deploy needs one approval (replacing the setup's pr.merge one).
  const applied = await fetch(`${b}/v1/admin/policies`, {
    method: "PUT",
    headers: { authorization: `Bearer ${setup.adminKey}`, "content-type": "application/json" },
    body: JSON.stringify({ policies: [{ name: "review-deploys", actions: ["deploy.*"], effect: "require_approval", approval: { quorum: 1, timeoutSeconds: 3600 } }] }),
  });
  if (!applied.ok) throw new Error(`applying the policy failed: ${applied.status} ${await applied.text()}`);
  const fleets = [python.fleet, typescriptFleet(setup, a)];

  log(`floor: ${FLOOR_SAMPLES} single gates per SDK, one after another`);
  const floorResults = await floor(fleets, b, setup, decider);
  log(`${GATES} concurrent gates of one client, ${ROUNDS} rounds per SDK`);
  const manyResults = await many(fleets, b, setup, decider);
  const results: Results = { machine: { ...machine, python: versions.python, httpx: versions.httpx }, gates: GATES, floor: floorResults, many: manyResults };
  recordResults("python-gates", "PYTHON", machine.date, results, (stamp) => summary(results, stamp));
});

function summary(r: Results, stamp: string): string {
  const met = (ok: boolean) => (ok ? "met" : "**not met**");
  const n = r.gates.toLocaleString("en");
  const row = (what: string, t: Stats) => `| ${what} | ${t.n} | ${t.p50} ms | ${t.p95} ms | ${t.p99} ms | ${t.max} ms |`;
  const rounds = (x: Round[]) =>
    x
      .map((o) => `${o.continued} continued, the last ${o.lastMsAfterCommit} ms after the commit, ${o.waitRequests} wait requests (decision call ${o.decisionCallMs} ms)`)
      .join("; ");
  const diff = (a: number, b: number) => `${a - b >= 0 ? "+" : ""}${Math.round((a - b) * 100) / 100} ms`;
  const py = r.many.python;
  const pf = r.floor.python;
  const ts = r.many.typescript;
  const allContinued = [...py.rounds, ...ts.rounds].every((o) => o.continued === r.gates);
  return `# The Python SDK's gates

Latest run: \`npm run bench:python\` (bench/python-gates.ts and bench/python_gates.py, ${stamp}); raw numbers in
\`bench/results/python-gates-${stamp}.json\`. Machine: ${JSON.stringify(r.machine)}. The Python side needs an
interpreter with httpx ≥ 0.23, named by \`PYTHON\` (default \`python3\`): \`PYTHON=<that python3> npm run bench:python\`.

The Python SDK's \`AsyncGatehouse\` (packages/sdk-python, run by bench/python_gates.py) against the TypeScript
SDK's \`Gatehouse\` (packages/sdk, in the driver) as the baseline, in the same run, on one agent key, both
with the quickstart's \`deploy.*\` policy (one approval). The SDKs take turns (the one going first
alternating), so both run under the same load. As in bench/gates.ts (GATES.md): API A holds the waits,
API B takes the decisions, sent by the deciding side in its own process (bench/gates-decide.ts); each
client shares one long-poll (\`POST /v1/approvals/wait\`) among all its gates. PostgreSQL, Redis, both
APIs, the decider, the driver and the Python process share the machine's cores with other engineers'
processes (load average at the start above).

**The commit** is when the decision's \`approvals.changed\` signal, published by B only after the deciding
transaction committed, reaches the deciding process. **The return** is when \`gate()\` returned in its
process. Both are read from this machine's wall clock: \`Date.now()\` in Node, \`time.time()\` in Python.

| what | gates | p50 | p95 | p99 | max |
|---|---|---|---|---|---|
${row("Python: the floor, 1 gate decided alone, commit → `gate()` returns", pf.commitToReturnMs)}
${row("TypeScript: the floor, the same", r.floor.typescript.commitToReturnMs)}
${row(`Python: ${n} concurrent \`gate()\` of one \`AsyncGatehouse\`, one bulk decision, commit → return`, py.commitToReturnMs)}
${row(`TypeScript: ${n} concurrent \`gate()\` of one \`Gatehouse\`, the same`, ts.commitToReturnMs)}
${row(`Python: the ${n} gates, from when the bulk decision call returned to the deciding process`, py.decisionReturnedToReturnMs)}
${row(`TypeScript: the ${n} gates, the same`, ts.decisionReturnedToReturnMs)}

The first gate of each SDK, before the floor and not in it (Python's first, on the fresh API processes, whose
first wait answers late whoever sends it): Python ${pf.firstGateMs} ms, TypeScript ${r.floor.typescript.firstGateMs} ms.

Rounds of ${n}, Python: ${rounds(py.rounds)}.
Rounds of ${n}, TypeScript: ${rounds(ts.rounds)}.
The wait requests are every \`POST /v1/approvals/wait\` the client sent in the round: the first, then one
re-issue for each batch of approvals that joined while one was in flight (at most one each 50 ms).

- Every call continued: ${met(allContinued)}.
- ${n} gates from one \`AsyncGatehouse\`, p99 ≤ 500 ms after the decision's commit: ${met(py.commitToReturnMs.p99 <= 500)} (p99 ${py.commitToReturnMs.p99} ms; TypeScript's ${ts.commitToReturnMs.p99} ms).
- Python against the TypeScript baseline, p99: ${diff(py.commitToReturnMs.p99, ts.commitToReturnMs.p99)} for the ${n} gates, ${diff(pf.commitToReturnMs.p99, r.floor.typescript.commitToReturnMs.p99)} for one.
- The quickstart's \`gate()\` continues within 1 s of an approval: ${met(Math.max(pf.commitToReturnMs.max, pf.firstGateMs) <= 1000)} (the slowest of ${pf.commitToReturnMs.n}: ${pf.commitToReturnMs.max} ms, the first: ${pf.firstGateMs} ms; TypeScript's ${r.floor.typescript.commitToReturnMs.max} ms and ${r.floor.typescript.firstGateMs} ms).
`;
}

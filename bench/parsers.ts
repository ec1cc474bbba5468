// `npm run bench:parsers`: another org's decision latency while one org sends hostile policy drafts
// at full speed, against the same API process without that load, measured in the same run.
// The hostile org (4 concurrent senders, no pause) cycles through every source bomb on
// PUT /v1/admin/policies/draft, every set bomb on POST /v1/admin/policies/test, and a legal but heavy
// draft (seconds of parsing and testing) on POST /v1/admin/policies/draft/publish. The victim org sends
// one decision (POST /v1/actions) at a time, 400 of them per phase.
// Needs PostgreSQL (DATABASE_URL's server) and Redis, like `npm run bench`.
// Writes bench/results/parsers-<timestamp>.json and bench/PARSERS.md.
import { sendHostileDrafts } from "./hostile-drafts";
import { background, benchRun, log, recordResults, run, summarize, waitFor } from "./lib";

const DECISIONS = Number(process.env.BENCH_DECISIONS ?? 400);
const SENDERS = 4;
const API = "http://127.0.0.1:4933";

interface Org {
  orgId: string;
  agentKey: string;
  adminKey: string;
}

const post = (method: string, path: string, key: string, body: string) =>
  fetch(`${API}${path}`, { method, headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body }).then(async (r) => ({
    status: r.status,
    text: await r.text(),
  }));

async function decisions(victim: Org): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < DECISIONS; i += 1) {
    const started = performance.now();
    const response = await post("POST", "/v1/actions", victim.agentKey, JSON.stringify({ actionType: "repo.read" }));
    if (response.status !== 200) throw new Error(`the victim's decision answered ${response.status}: ${response.text.slice(0, 200)}`);
    times.push(performance.now() - started);
  }
  return times;
}

async function main(): Promise<void> {
  await benchRun(async ({ machine, env }) => {
    const setup = () => JSON.parse(run("npx", ["tsx", "bench/setup-approvals.ts"], env).trim().split("\n").pop() as string) as Org;
    const victim = setup();
    const attacker = setup();
    background(process.execPath, ["--import", "tsx", "apps/api/src/main.ts"], { ...env, API_PORT: "4933", API_KEY_FAILURE_LIMIT: "1000000" });
    await waitFor(`${API}/healthz`);
    await decisions(victim);

    log(`baseline: ${DECISIONS} decisions of the victim org, nothing else running`);
    const baseline = summarize(await decisions(victim));

    log(`under load: ${DECISIONS} decisions while the hostile org sends at full speed (${SENDERS} senders)`);
    const stop = { done: false };
    const statuses: Record<string, number> = {};
    const senders = Array.from({ length: SENDERS }, () => sendHostileDrafts(API, attacker.adminKey, stop, statuses));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const loaded = summarize(await decisions(victim));
    stop.done = true;
    await Promise.all(senders);

    const results = { machine, decisions: DECISIONS, senders: SENDERS, baseline, loaded, hostileAnswers: statuses };
    const row = (name: string, s: ReturnType<typeof summarize>) => `| ${name} | ${s.p50} | ${s.p99} | ${s.max} | ${s.mean} |`;
    recordResults(
      "parsers",
      "PARSERS",
      machine.date,
      results,
      (stamp) => `# Another org's decisions while one org sends hostile policy drafts (issue 24)

\`npm run bench:parsers\` — one API process; the victim org sends ${DECISIONS} decisions one at a time
(\`POST /v1/actions\`), first with nothing else running, then while the hostile org's ${SENDERS} senders
cycle, without pause, through every source bomb on the draft, every set bomb on \`/policies/test\` and
a legal but heavy draft (about 700 KB: 600 policies of 20 conditions, 150 tests) saved and published.
Machine: ${machine.cpus} cores (${machine.cpuModel}), ${machine.node}, load ${machine.loadavgAtStart.join(" ")} at start.
Results: \`bench/results/parsers-${stamp}.json\`.

| victim decision latency (ms) | p50 | p99 | max | mean |
|---|---|---|---|---|
${row("without load", baseline)}
${row("while one org sends hostile drafts", loaded)}

The hostile org's answers by status: ${Object.entries(statuses)
        .map(([status, count]) => `${status}: ${count}`)
        .join(
          ", ",
        )} (400: refused by the limits; 429: its own checks already queued on the work pool; 409: two of its senders saved the draft at once; 200: the heavy draft published).
The API process stayed up throughout. The test suite's bound (\`apps/api/test/parser-bombs-process.test.ts\`, < 500 ms for any
victim decision during a long check) is a coarse safety net under these numbers. Before the work pool, that test
measured a victim decision waiting 5.8 s behind one publish of the heavy draft, parsed on the event loop.
`,
    );
  });
}

await main();

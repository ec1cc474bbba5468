// `npm run bench:runs`: what a run (docs/runs.md) costs a decision. One API process, one org with an
// allow-all policy and loop detection off (so only runs differ). Each round sends BATCH decisions that
// name a run (16 runs, one per concurrent worker, so every batch of the group commit touches runs that
// already exist and creates none after the first) and BATCH that name none, in a new order every round,
// CONCURRENCY at a time; it measures the API process's CPU time per decision (from /proc), the decisions
// per second and the client's latency. Goal: decisions in a run run at ≥ 0.9× the rate of the same
// decisions outside one (the same floor as the budget check). Writes bench/results/runs-*.json and
// bench/RUNS.md. Needs PostgreSQL (DATABASE_URL's server) and Redis.
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { abRounds, background, benchRun, decisionBatch, recordResults, run, variantTableRow, waitFor, type VariantRow } from "./lib";

const PORT = "4944";
const api = `http://127.0.0.1:${PORT}`;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);
const CONCURRENCY = 16;
const round2 = (v: number) => Math.round(v * 100) / 100;
const prefix = randomBytes(4).toString("hex");

let calls = 0;

/** BATCH decisions, CONCURRENCY at a time (worker w in run `<prefix>-w` when `inRun`): the latencies and the wall time. */
const batch = (key: string, inRun: boolean) =>
  decisionBatch({
    api,
    key,
    count: BATCH,
    concurrency: CONCURRENCY,
    body: (i, worker) => ({
      actionType: "tool.read_file",
      metadata: { path: `/srv/repo/src/file-${i % 50}.ts`, offset: (calls += 1) },
      ...(inRun ? { runId: `${prefix}-${worker}`, runName: `bench run ${worker}` } : {}),
    }),
    check: (answer) => Boolean(answer.run) === inRun,
  });

await benchRun(async ({ machine, env }) => {
  // The loop benchmark's setup: its `off` org has the allow-all policy and loop detection off.
  const keys = JSON.parse(run("npx", ["tsx", "bench/setup-loops.ts"], env).trim().split("\n").pop() as string) as { off: string };
  const server = background(process.execPath, ["--import", "tsx", "apps/api/src/main.ts"], { ...env, API_PORT: PORT });
  await waitFor(`${api}/healthz`);
  const pid = server.pid as number;
  for (const inRun of [true, false]) await batch(keys.off, inRun); // warm the caches and the JIT; creates the runs

  // Per round (both variants ran in it): the rate in a run ÷ the rate outside one; the median of those.
  const { rows, rateRatio, cpuRatio } = await abRounds({
    pid,
    rounds: ROUNDS,
    variants: ["run", "none"],
    batch: (variant) => batch(keys.off, variant === "run"),
    variant: "run",
    baseline: "none",
  });
  const results = {
    machine: { ...machine, loadavgAtEnd: loadavg().map(round2) },
    settings: { ROUNDS, BATCH, CONCURRENCY },
    rows,
    rateRatio,
    cpuRatio,
    goal: { minRateRatio: 0.9 },
  };
  recordResults("runs", "RUNS", machine.date, results, (stamp) => summary(results, stamp));
});

function summary(
  r: { machine: Record<string, unknown>; settings: Record<string, number>; rows: Record<"run" | "none", VariantRow>; rateRatio: number; cpuRatio: number },
  stamp: string,
): string {
  const row = (variant: "run" | "none", what: string) => variantTableRow(r.rows[variant], what);
  return `# Runs: what naming a run costs a decision

Latest run: \`npm run bench:runs\` (${stamp}); raw numbers in \`bench/results/runs-${stamp}.json\`.
Machine: ${JSON.stringify(r.machine)}

One API process with Redis, one org with an allow-all policy and loop detection off; ${r.settings.ROUNDS} rounds of ${r.settings.BATCH}
decisions naming a run (16 runs, one per concurrent worker) and ${r.settings.BATCH} naming none, ${r.settings.CONCURRENCY} at a time, in a new
order every round. The baseline is the decisions naming no run, measured in the same run.

| decisions | count | decisions/s (median round) | API CPU µs/decision | latency ms p50 / p99 |
| --- | ---: | ---: | ---: | ---: |
${row("none", "in no run (baseline)")}
${row("run", "in a run")}

- Rate in a run ÷ rate outside one (median of the rounds' ratios): **${r.rateRatio}** (goal ≥ 0.9: ${r.rateRatio >= 0.9 ? "met" : "**missed**"}).
- API CPU in a run ÷ outside one: ${r.cpuRatio}. What a run adds is one SHA-256 for its id and one more CTE in
  the group commit's one statement (an upsert of the batch's runs with their counts); no read, no extra
  round trip.
`;
}

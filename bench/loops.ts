// `npm run bench:loops`: what loop detection (docs/loops.md) costs a decision. One API process, two orgs
// with the same allow-all policy: one with loop detection on (the default: each call's fingerprint is
// counted, with its alternation against the previous call, in the rate counter's round trip), the other
// with it off. Each round sends BATCH decisions to each org, in a new order every round, CONCURRENCY at a
// time, every call with different arguments (so none is refused); it measures the API process's CPU time
// per decision (from /proc), the decisions per second and the client's latency. Goal: decisions with loop
// detection run at ≥ 0.9× the rate of the same decisions without it. Writes bench/results/loops-*.json and
// bench/LOOPS.md. Needs PostgreSQL (DATABASE_URL's server) and Redis.
import { loadavg } from "node:os";
import { abRounds, background, benchRun, recordResults, run, waitFor, type VariantRow, decisionBatch, variantTableRow } from "./lib";

const PORT = "4943";
const api = `http://127.0.0.1:${PORT}`;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);
const CONCURRENCY = 16;
const round2 = (v: number) => Math.round(v * 100) / 100;

let calls = 0;

/** BATCH decisions, CONCURRENCY at a time, each with its own arguments: the latencies and the wall time. */
const batch = (key: string) =>
  decisionBatch({
    api,
    key,
    count: BATCH,
    concurrency: CONCURRENCY,
    body: (i) => ({ actionType: "tool.read_file", metadata: { path: `/srv/repo/src/file-${i % 50}.ts`, offset: (calls += 1) } }),
  });

await benchRun(async ({ machine, env }) => {
  const keys = JSON.parse(run("npx", ["tsx", "bench/setup-loops.ts"], env).trim().split("\n").pop() as string) as { detected: string; off: string };
  const server = background(process.execPath, ["--import", "tsx", "apps/api/src/main.ts"], { ...env, API_PORT: PORT });
  await waitFor(`${api}/healthz`);
  const pid = server.pid as number;
  for (const key of [keys.detected, keys.off]) await batch(key); // warm both orgs' caches and the JIT

  const orgs = { detected: keys.detected, off: keys.off };
  // Per round (both orgs ran in it): the rate with detection ÷ the rate without; the median of those.
  const { rows, rateRatio, cpuRatio } = await abRounds({
    pid,
    rounds: ROUNDS,
    variants: ["detected", "off"],
    batch: (org) => batch(orgs[org]),
    variant: "detected",
    baseline: "off",
  });
  const results = {
    machine: { ...machine, loadavgAtEnd: loadavg().map(round2) },
    settings: { ROUNDS, BATCH, CONCURRENCY },
    rows,
    rateRatio,
    cpuRatio,
    goal: { minRateRatio: 0.9 },
  };
  recordResults("loops", "LOOPS", machine.date, results, (stamp) => summary(results, stamp));
});

function summary(
  r: { machine: Record<string, unknown>; settings: Record<string, number>; rows: Record<"detected" | "off", VariantRow>; rateRatio: number; cpuRatio: number },
  stamp: string,
): string {
  const row = (org: "detected" | "off", what: string) => variantTableRow(r.rows[org], what);
  return `# Loop detection: what it costs a decision

Latest run: \`npm run bench:loops\` (${stamp}); raw numbers in \`bench/results/loops-${stamp}.json\`.
Machine: ${JSON.stringify(r.machine)}

One API process with Redis, two orgs with the same allow-all policy, one with loop detection on (the
default) and one with it off; ${r.settings.ROUNDS} rounds of ${r.settings.BATCH} decisions per org, ${r.settings.CONCURRENCY} at a time, in a new
order every round, every call with different arguments. The baseline is the org without detection, measured
in the same run.

| org | decisions | decisions/s (median round) | API CPU µs/decision | latency ms p50 / p99 |
| --- | ---: | ---: | ---: | ---: |
${row("off", "loop detection off (baseline)")}
${row("detected", "loop detection on (default)")}

- Rate with detection ÷ rate without (median of the rounds' ratios): **${r.rateRatio}** (goal ≥ 0.9: ${r.rateRatio >= 0.9 ? "met" : "**missed**"}).
- API CPU with detection ÷ without: ${r.cpuRatio}. What detection adds is one HMAC of the call's arguments in
  the API and a few more Redis commands in the rate counter's one round trip (a decision with no rate
  condition used to skip that round trip; with detection on, every decision makes it).
`;
}

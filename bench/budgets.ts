// `npm run bench:budgets`: what a budget check costs a decision (docs/budgets.md). One API process, two
// orgs with the same policies and loop detection off; in one, the policy on llm.* states a budget (per
// agent and day), so each of its decisions is checked against the counter and reserves in the group commit.
// Every call declares the same spend (gpt-4o-mini, 1,200 in, 400 out), so the requests are alike and
// only the budget differs. Each round sends BATCH decisions to each org, in a new order every round,
// CONCURRENCY at a time; it measures the API process's CPU time per decision (from /proc), the
// decisions per second and the client's latency. Goal: decisions with a budget check at ≥ 0.9× the rate
// of the same decisions without one. Writes bench/results/budgets-*.json and bench/BUDGETS.md. Needs
// PostgreSQL (DATABASE_URL's server) and Redis.
import { loadavg } from "node:os";
import { abRounds, background, benchRun, decisionBatch, recordResults, run, variantTableRow, waitFor, type VariantRow } from "./lib";

const PORT = "4945";
const api = `http://127.0.0.1:${PORT}`;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);
const CONCURRENCY = 16;
const round2 = (v: number) => Math.round(v * 100) / 100;
const SPEND = { model: "gpt-4o-mini", inputTokens: 1200, maxOutputTokens: 400 };

let calls = 0;

/** BATCH decisions, CONCURRENCY at a time, all declaring the same spend: the latencies and the wall time. */
const batch = (key: string) =>
  decisionBatch({ api, key, count: BATCH, concurrency: CONCURRENCY, body: () => ({ actionType: "llm.openai.gpt-4o-mini", metadata: { call: (calls += 1) }, spend: SPEND }) });

await benchRun(async ({ machine, env, client }) => {
  const keys = JSON.parse(run("npx", ["tsx", "bench/setup-budgets.ts"], env).trim().split("\n").pop() as string) as { budgeted: string; plain: string };
  const server = background(process.execPath, ["--import", "tsx", "apps/api/src/main.ts"], { ...env, API_PORT: PORT });
  await waitFor(`${api}/healthz`);
  const pid = server.pid as number;
  await batch(keys.budgeted); // warm the caches and the JIT
  await batch(keys.plain);

  // Per round (both variants ran in it): the rate with a budget ÷ the rate without; the median of those.
  const { rows, rateRatio, cpuRatio } = await abRounds({
    pid,
    rounds: ROUNDS,
    variants: ["budget", "none"],
    batch: (variant) => batch(variant === "budget" ? keys.budgeted : keys.plain),
    variant: "budget",
    baseline: "none",
  });
  // Every budgeted call was checked and reserved: the counter holds them all (1,600 tokens each).
  const reserved = Number((await client.query<{ sum: string }>("SELECT COALESCE(SUM(reserved_tokens), 0) AS sum FROM budget_counters")).rows[0]?.sum);
  const budgetedCalls = rows.budget.decisions + BATCH;
  if (reserved !== budgetedCalls * (SPEND.inputTokens + SPEND.maxOutputTokens)) throw new Error(`the budget reserved ${reserved} tokens for ${budgetedCalls} calls`);
  const results = {
    machine: { ...machine, loadavgAtEnd: loadavg().map(round2) },
    settings: { ROUNDS, BATCH, CONCURRENCY },
    rows,
    rateRatio,
    cpuRatio,
    goal: { minRateRatio: 0.9 },
  };
  recordResults("budgets", "BUDGETS", machine.date, results, (stamp) => summary(results, stamp));
});

function summary(
  r: { machine: Record<string, unknown>; settings: Record<string, number>; rows: Record<"budget" | "none", VariantRow>; rateRatio: number; cpuRatio: number },
  stamp: string,
): string {
  const row = (variant: "budget" | "none", what: string) => variantTableRow(r.rows[variant], what);
  return `# Budgets: what a budget check costs a decision

Latest run: \`npm run bench:budgets\` (${stamp}); raw numbers in \`bench/results/budgets-${stamp}.json\`.
Machine: ${JSON.stringify(r.machine)}

One API process with Redis, two orgs with the same policies (allow-all, and an allow on llm.*) and loop
detection off; in one, the llm.* policy states a budget per agent and day. Every call declares the same spend (gpt-4o-mini, 1,200 tokens in, at most
400 out). ${r.settings.ROUNDS} rounds of ${r.settings.BATCH} decisions to each org, ${r.settings.CONCURRENCY} at a time, in a new order every round.
The baseline is the org without a budget, measured in the same run.

| decisions | count | decisions/s (median round) | API CPU µs/decision | latency ms p50 / p99 |
| --- | ---: | ---: | ---: | ---: |
${row("none", "no budget (baseline)")}
${row("budget", "checked and reserved against a budget")}

- Rate with a budget ÷ rate without (median of the rounds' ratios): **${r.rateRatio}** (goal ≥ 0.9: ${r.rateRatio >= 0.9 ? "met" : "**missed**"}).
- API CPU with a budget ÷ without: ${r.cpuRatio}. What a budget adds is the counter's key (one SHA-256), the
  price, the counters read in the group commit's first round trip (one more statement in the same message)
  and two more CTEs in its one write statement (the reservations, the counters); no extra round trip.
`;
}

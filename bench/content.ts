// `npm run bench:content`: what the content screen (docs/content.md) costs a decision. One API process,
// two orgs with the same allow-all policy: one screens with the default rules, the other looks for
// nothing. Each round sends ROUNDS × BATCH decisions with typical agent metadata (about 2 KB: a tool's
// arguments, a ticket's text), alternating the two orgs batch by batch, and measures the API process's
// CPU time per decision (utime + stime from /proc, the figure least moved by what else the host runs) and
// the client's latency. Three kinds of metadata: no finding, one secret (redacted), one email (flagged).
// Goal: the screen adds ≤ 10% to a decision's CPU for typical metadata. Writes bench/results/content-*.json
// and bench/CONTENT.md. Needs PostgreSQL (DATABASE_URL's server) and Redis.
import { loadavg } from "node:os";
import { background, benchRun, cpuTicks, log, percentile, recordResults, run, ticketMetadata, waitFor } from "./lib";

const PORT = "4941";
const api = `http://127.0.0.1:${PORT}`;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 12);
const BATCH = Number(process.env.BENCH_BATCH ?? 800);
const CONCURRENCY = 8;
const round2 = (v: number) => Math.round(v * 100) / 100;

async function batch(key: string, kind: "clean" | "secret" | "email"): Promise<number[]> {
  const times: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < BATCH; i = next++) {
        const started = performance.now();
        const response = await fetch(`${api}/v1/actions`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify({ actionType: "ticket.update", metadata: ticketMetadata(kind, i) }),
        });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`decision answered ${response.status}`);
        times.push(performance.now() - started);
      }
    }),
  );
  return times;
}

await benchRun(async ({ machine, env }) => {
  const keys = JSON.parse(run("npx", ["tsx", "bench/setup-content.ts"], env).trim().split("\n").pop() as string) as { screened: string; off: string };
  const server = background(process.execPath, ["--import", "tsx", "apps/api/src/main.ts"], { ...env, API_PORT: PORT });
  await waitFor(`${api}/healthz`);
  const pid = server.pid as number;
  const hz = Number(run("getconf", ["CLK_TCK"]).trim());
  // Warm both orgs' caches and the JIT.
  for (const key of [keys.screened, keys.off]) await batch(key, "clean");

  const kinds = ["clean", "secret", "email"] as const;
  const cpu: Record<string, { ticks: number; n: number; latencies: number[]; perRound: number[] }> = {};
  const combos = kinds.flatMap((kind) => (["off", "screened"] as const).map((org) => ({ kind, org, key: org === "off" ? keys.off : keys.screened })));
  for (let round = 0; round < ROUNDS; round += 1) {
    // A new order every round (a fixed one lets the garbage collector's rhythm favour one column).
    const order = combos.map((combo) => ({ combo, sort: Math.random() })).sort((a, b) => a.sort - b.sort);
    for (const { combo } of order) {
      const label = `${combo.org}:${combo.kind}`;
      const before = cpuTicks(pid);
      const latencies = await batch(combo.key, combo.kind);
      const spent = cpuTicks(pid) - before;
      const slot = (cpu[label] ??= { ticks: 0, n: 0, latencies: [], perRound: [] });
      slot.ticks += spent;
      slot.n += latencies.length;
      slot.latencies.push(...latencies);
      slot.perRound.push(spent / latencies.length);
    }
    log(`round ${round + 1}/${ROUNDS}`);
  }
  const rows = Object.fromEntries(
    Object.entries(cpu).map(([label, c]) => {
      const sorted = [...c.latencies].sort((a, b) => a - b);
      return [label, { decisions: c.n, cpuMicrosPerDecision: round2((c.ticks / hz / c.n) * 1e6), p50: round2(percentile(sorted, 50)), p99: round2(percentile(sorted, 99)) }];
    }),
  ) as Record<string, { decisions: number; cpuMicrosPerDecision: number; p50: number; p99: number }>;
  // The added CPU: the median over rounds of each round's screened/unscreened ratio (the two ran in the same round).
  const overhead = Object.fromEntries(
    kinds.map((kind) => {
      const off = cpu[`off:${kind}`]?.perRound ?? [];
      const on = cpu[`screened:${kind}`]?.perRound ?? [];
      const ratios = on.map((value, i) => value / (off[i] ?? Number.NaN)).sort((a, b) => a - b);
      return [kind, round2(((ratios[Math.floor(ratios.length / 2)] ?? Number.NaN) - 1) * 100)];
    }),
  );
  const results = {
    machine: { ...machine, loadavgAtEnd: loadavg().map(round2) },
    settings: { ROUNDS, BATCH, CONCURRENCY, metadataBytes: JSON.stringify(ticketMetadata("clean", 0)).length },
    rows,
    overheadPercent: overhead,
    goal: { maxOverheadPercent: 10 },
  };
  recordResults("content", "CONTENT", machine.date, results, (stamp) => summary(results, stamp));
});

function summary(
  r: {
    machine: { cpus: number; cpuModel: string; node: string; loadavgAtStart: number[]; loadavgAtEnd: number[] };
    settings: { ROUNDS: number; BATCH: number; CONCURRENCY: number; metadataBytes: number };
    rows: Record<string, { decisions: number; cpuMicrosPerDecision: number; p50: number; p99: number }>;
    overheadPercent: Record<string, number>;
  },
  stamp: string,
): string {
  const line = (kind: string, what: string) => {
    const off = r.rows[`off:${kind}`];
    const on = r.rows[`screened:${kind}`];
    const overhead = r.overheadPercent[kind] ?? Number.NaN;
    return `| ${what} | ${off?.cpuMicrosPerDecision} | ${on?.cpuMicrosPerDecision} | ${overhead}% | ${off?.p50} / ${off?.p99} | ${on?.p50} / ${on?.p99} | ${overhead <= 10 ? "met" : "**missed**"} |`;
  };
  return `# The content screen's cost per decision (issue 27)

\`npm run bench:content\` — one API process, two orgs with the same allow-all policy: one screens calls with the
default content rules (secrets redacted, personal data flagged), the other looks for nothing
(\`content: { secrets: off, personalData: off }\`). ${r.settings.ROUNDS} rounds; in each, ${r.settings.BATCH} decisions per org and kind of
metadata (${r.settings.metadataBytes} bytes of JSON: a tool call's arguments and a ticket's text), ${r.settings.CONCURRENCY} at a time, the orgs
in a new random order every round. CPU is the API process's own (utime + stime per decision, from /proc): what the
screen costs the server, least moved by the rest of the host. Machine: ${r.machine.cpus} cores (${r.machine.cpuModel}), ${r.machine.node},
load ${r.machine.loadavgAtStart.join(" ")} at start, ${r.machine.loadavgAtEnd.join(" ")} at end.
Results: \`bench/results/content-${stamp}.json\`. Goal: the screen adds ≤ 10% to a decision's CPU. "added" is the median over
the rounds of each round's ratio (the columns are the whole run's averages).

| metadata | CPU µs/decision, no screen | CPU µs/decision, screened | added | latency ms p50 / p99, no screen | screened | goal |
|---|---|---|---|---|---|---|
${line("clean", "nothing to find")}
${line("secret", "one GitHub token (redacted)")}
${line("email", "one email address (flagged)")}

The first row is the scanning itself: every string looked at, nothing found. The other two add what a finding
costs beyond the scan: the finding recorded in the answer, the action and the audit entry, and for a redacted
value its keyed placeholder and the conditions' values rewritten.
`;
}

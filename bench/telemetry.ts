// `npm run bench:telemetry`: what OpenTelemetry export costs a decision (docs/telemetry.md). Two API processes over
// the same database and org: one with the OTEL_* variables pointing the official OTLP/HTTP exporters at a collector
// on loopback (a span per decision, the metrics, exported every 200 ms), the other with them unset (telemetry off, the
// default). Each round sends BATCH decisions through each process, in a new order every round, CONCURRENCY at a time;
// it measures each process's CPU per decision (from /proc), the decisions per second and the client's latency, and
// counts the spans the collector received. Goal (issue 45): with export on, decisions run at ≥ 0.95× the rate of the
// same decisions with it off. Writes bench/results/telemetry-*.json and bench/TELEMETRY.md. Needs PostgreSQL and Redis.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg } from "node:os";
import { abRounds, background, benchRun, decisionBatch, recordResults, run, variantTableRow, waitFor, type VariantRow } from "./lib";

const PORTS = { on: "4951", off: "4952" } as const;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);
const CONCURRENCY = 16;
const round2 = (v: number) => Math.round(v * 100) / 100;

await benchRun(async ({ machine, env }) => {
  // The collector: OTLP/HTTP with JSON, answered at once; what arrived is counted, not kept.
  let spans = 0;
  let exports = 0;
  const collector = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      exports += 1;
      if (request.url === "/v1/traces")
        spans += (
          Buffer.concat(chunks)
            .toString("utf8")
            .match(/"name":"gatehouse\.decide"/g) ?? []
        ).length;
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;

  // An org with an allow-all policy and the default settings (bench/setup-loops.ts's `detected` org).
  const { detected: agentKey } = JSON.parse(run("npx", ["tsx", "bench/setup-loops.ts"], env).trim().split("\n").pop() as string) as { detected: string };
  const on = background(process.execPath, ["--import", "tsx", "apps/api/src/main.ts"], {
    ...env,
    API_PORT: PORTS.on,
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_SERVICE_NAME: "gatehouse-api-bench",
    OTEL_METRIC_EXPORT_INTERVAL: "200",
    OTEL_BSP_SCHEDULE_DELAY: "200",
  });
  const off = background(process.execPath, ["--import", "tsx", "apps/api/src/main.ts"], { ...env, API_PORT: PORTS.off });
  for (const port of Object.values(PORTS)) await waitFor(`http://127.0.0.1:${port}/healthz`);

  let calls = 0;
  const batch = (variant: "on" | "off") =>
    decisionBatch({
      api: `http://127.0.0.1:${PORTS[variant]}`,
      key: agentKey,
      count: BATCH,
      concurrency: CONCURRENCY,
      body: (i) => ({ actionType: "tool.read_file", metadata: { path: `/srv/repo/src/file-${i % 50}.ts`, offset: (calls += 1) } }),
    });
  for (const variant of ["on", "off"] as const) await batch(variant); // warm both processes' caches and the JIT
  const warmSpans = spans;

  const pids = { on: on.pid as number, off: off.pid as number };
  const { rows, rateRatio, cpuRatio } = await abRounds({
    pid: pids.on,
    pidOf: (variant) => pids[variant],
    rounds: ROUNDS,
    variants: ["on", "off"],
    batch,
    variant: "on",
    baseline: "off",
  });
  // The last batch's spans leave within the processor's delay.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const results = {
    machine: { ...machine, loadavgAtEnd: loadavg().map(round2) },
    settings: { ROUNDS, BATCH, CONCURRENCY, OTEL_METRIC_EXPORT_INTERVAL: 200, OTEL_BSP_SCHEDULE_DELAY: 200 },
    rows,
    rateRatio,
    cpuRatio,
    exported: { decisionSpans: spans - warmSpans, expected: ROUNDS * BATCH, requests: exports },
    goal: { minRateRatio: 0.95 },
  };
  collector.close();
  recordResults("telemetry", "TELEMETRY", machine.date, results, (stamp) => summary(results, stamp));
});

function summary(
  r: {
    machine: Record<string, unknown>;
    settings: Record<string, number>;
    rows: Record<"on" | "off", VariantRow>;
    rateRatio: number;
    cpuRatio: number;
    exported: { decisionSpans: number; expected: number; requests: number };
  },
  stamp: string,
): string {
  const met = r.rateRatio >= 0.95 ? "met" : "NOT met";
  return `# OpenTelemetry: what export costs a decision

Latest run: \`npm run bench:telemetry\` (${r.machine.date as string}); raw numbers in \`bench/results/telemetry-${stamp}.json\`.
Machine: ${JSON.stringify(r.machine)}

Two API processes over one database, org and agent key: one with \`OTEL_EXPORTER_OTLP_ENDPOINT\` pointing the official
OTLP/HTTP exporters at a collector on loopback (a \`gatehouse.decide\` span per decision, batched every
${r.settings.OTEL_BSP_SCHEDULE_DELAY} ms; the metrics exported every ${r.settings.OTEL_METRIC_EXPORT_INTERVAL} ms), the other with the variables unset (telemetry off, the
default). ${r.settings.ROUNDS} rounds of ${r.settings.BATCH} decisions per process, ${r.settings.CONCURRENCY} at a time, in a new order every round, every call
with different arguments. The baseline is the process without export, measured in the same run.

| API process | decisions | decisions/s (median round) | API CPU µs/decision | latency ms p50 / p99 |
| --- | ---: | ---: | ---: | ---: |
${variantTableRow(r.rows.off, "telemetry off (baseline)")}
${variantTableRow(r.rows.on, "export on (traces and metrics)")}

- Rate with export ÷ rate without (median of the rounds' ratios): **${r.rateRatio}** (goal ≥ 0.95: ${met}).
- API CPU with export ÷ without: ${r.cpuRatio}.
- Decision spans the collector received during the rounds: ${r.exported.decisionSpans} of ${r.exported.expected} (${r.exported.requests} export requests in all).
`;
}

// `npm run bench:mcp-gateway`: what the hosted MCP gateway adds to an allowed tool call (issue 65). One API process on
// loopback; one upstream MCP server in this process (the official SDK's, Streamable HTTP, a tool that echoes); the
// official SDK's client. In each round, ROUND_CALLS calls of every kind, one at a time, the kinds in a new random order:
// - `direct`: the client connected to the upstream itself (the floor: what the call costs without Gatehouse);
// - `decision`: the SDK's `execute` and `report` for the same call, over HTTP (the decision itself, as an adapter makes it);
// - `gateway`: the client connected to the gateway, which decides the call, forwards it, screens the result and records
//   the outcome.
// The gateway's added latency is the median over rounds of (gateway p50 − direct p50 − decision p50), in the same round.
// Goal: ≤ 2 ms at p50 on top of the decision itself. Then calls/s with CONCURRENCY clients at once for SECONDS, direct and
// through the gateway. Writes bench/results/mcp-gateway-*.json and bench/MCP-GATEWAY.md. Needs PostgreSQL and Redis.
import { loadavg } from "node:os";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Gatehouse } from "@gatehouse/sdk";
import { z } from "zod";
import { startMcpUpstream } from "../scripts/lib/mcp-upstream.ts";
import { background, benchRun, log, recordResults, run, timedRounds, waitFor } from "./lib";

const PORT = "4947";
const api = `http://127.0.0.1:${PORT}`;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const ROUND_CALLS = Number(process.env.BENCH_CALLS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const GOAL_MS = 2;
const round2 = (v: number) => Math.round(v * 100) / 100;

type Kind = "direct" | "execute" | "decision" | "gateway";

async function client(url: string, key?: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(url), key ? { requestInit: { headers: { authorization: `Bearer ${key}` } } } : {});
  const mcp = new Client({ name: "bench", version: "1.0.0" });
  await mcp.connect(transport);
  await mcp.listTools();
  return mcp;
}

await benchRun(async ({ machine, env }) => {
  const upstream = await startMcpUpstream({
    name: "echo",
    register: (mcp) =>
      void mcp.registerTool("echo", { description: "Echoes its text.", inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: "text", text }] })),
  });
  const serviceEnv = { ...env, GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE: "1" };
  const { agent, slug } = JSON.parse(run("npx", ["tsx", "bench/setup-mcp-gateway.ts", upstream.url], serviceEnv).trim().split("\n").pop() as string) as {
    agent: string;
    slug: string;
  };
  background(process.execPath, ["--import", "tsx", "apps/api/src/main.ts"], { ...serviceEnv, API_PORT: PORT });
  await waitFor(`${api}/healthz`);
  const direct = await client(upstream.url);
  const gateway = await client(`${api}/mcp/${slug}/bench`, agent);
  const gh = new Gatehouse({ apiKey: agent, baseUrl: api });
  let n = 0;
  // The text differs per call, as an agent's calls do: the same call again and again is a loop (docs/loops.md).
  const text = () => `hello ${++n}`;
  const calls: Record<Kind, () => Promise<unknown>> = {
    direct: () => direct.callTool({ name: "echo", arguments: { text: text() } }),
    execute: () => gh.execute("tool.echo", { metadata: { arguments: { text: text() } } }),
    decision: async () => {
      const decided = await gh.execute("tool.echo", { metadata: { arguments: { text: text() } } });
      await gh.report(decided.auditEventId, { status: "success" });
    },
    gateway: async () => {
      const result = await gateway.callTool({ name: "echo__echo", arguments: { text: text() } });
      if (result.isError) throw new Error(`the gateway answered an error: ${JSON.stringify(result.content)}`);
    },
  };
  const { rows, medians } = await timedRounds(calls, ROUNDS, ROUND_CALLS);
  const mid = (values: number[]) => round2([...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN);
  const added = {
    overDirectP50: mid(medians.gateway.map((g, i) => g - (medians.direct[i] ?? Number.NaN))),
    overDirectAndDecisionP50: mid(medians.gateway.map((g, i) => g - (medians.direct[i] ?? Number.NaN) - (medians.decision[i] ?? Number.NaN))),
    overDirectAndExecuteP50: mid(medians.gateway.map((g, i) => g - (medians.direct[i] ?? Number.NaN) - (medians.execute[i] ?? Number.NaN))),
  };

  // Throughput: CONCURRENCY clients at once, each calling as fast as it is answered.
  const throughput: Record<"direct" | "gateway", number> = { direct: 0, gateway: 0 };
  for (const kind of ["direct", "gateway"] as const) {
    const clients = await Promise.all(Array.from({ length: CONCURRENCY }, () => (kind === "direct" ? client(upstream.url) : client(`${api}/mcp/${slug}/bench`, agent))));
    let done = 0;
    const until = performance.now() + SECONDS * 1_000;
    await Promise.all(
      clients.map(async (c) => {
        while (performance.now() < until) {
          await c.callTool({ name: kind === "direct" ? "echo" : "echo__echo", arguments: { text: text() } });
          done += 1;
        }
      }),
    );
    throughput[kind] = Math.round(done / SECONDS);
    await Promise.all(clients.map((c) => c.close()));
    log(`${kind}: ${throughput[kind]} calls/s with ${CONCURRENCY} clients`);
  }
  await direct.close();
  await gateway.close();
  await upstream.close();
  const results = {
    machine: { ...machine, loadavgAtEnd: loadavg().map(round2) },
    settings: { ROUNDS, ROUND_CALLS, CONCURRENCY, SECONDS },
    rows,
    added,
    throughput,
    goal: { maxAddedP50Ms: GOAL_MS },
  };
  recordResults("mcp-gateway", "MCP-GATEWAY", machine.date, results, (stamp) => summary(results, stamp));
});

function summary(
  r: {
    machine: { cpus: number; cpuModel: string; node: string; loadavgAtStart: number[]; loadavgAtEnd: number[] };
    settings: { ROUNDS: number; ROUND_CALLS: number; CONCURRENCY: number; SECONDS: number };
    rows: Record<string, { calls: number; p50: number; p90: number; p99: number }>;
    added: { overDirectP50: number; overDirectAndDecisionP50: number; overDirectAndExecuteP50: number };
    throughput: { direct: number; gateway: number };
  },
  stamp: string,
): string {
  const rows = Object.entries(r.rows)
    .map(([kind, row]) => `| ${kind} | ${row.calls} | ${row.p50} | ${row.p90} | ${row.p99} |`)
    .join("\n");
  return `# What the hosted MCP gateway adds to a tool call (issue 65)

\`npm run bench:mcp-gateway\` — one API process on loopback, one upstream MCP server (the official SDK's, Streamable HTTP) and the official
SDK's client. ${r.settings.ROUNDS} rounds of ${r.settings.ROUND_CALLS} calls of each kind, one at a time, the kinds in a new random order each
round. Machine: ${r.machine.cpus} cores (${r.machine.cpuModel}), ${r.machine.node}, load ${r.machine.loadavgAtStart.join(" ")} at start,
${r.machine.loadavgAtEnd.join(" ")} at end. Results: \`bench/results/mcp-gateway-${stamp}.json\`.

Latency of one allowed call, in ms (the client's clock):

| kind | calls | p50 | p90 | p99 |
|---|---|---|---|---|
${rows}

- \`direct\`: the client connected to the upstream itself; \`execute\`: the SDK's \`execute\` for the same call over HTTP (the
  decision alone); \`decision\`: \`execute\` and \`report\`, as an adapter makes a governed call; \`gateway\`: the client connected to
  the gateway, which decides the call, forwards it, screens the answer and records the outcome (beside its answer: the client does
  not wait for the outcome's commit, where \`decision\` waits for its \`report\`).
- Added by the gateway, the median over rounds of the same round's p50s: **${r.added.overDirectP50} ms** over a direct connection;
  **${r.added.overDirectAndDecisionP50} ms** on top of the decision as an adapter makes it (goal ≤ ${GOAL_MS} ms:
  ${r.added.overDirectAndDecisionP50 <= GOAL_MS ? "met" : "**missed**"}); **${r.added.overDirectAndExecuteP50} ms** on top of \`execute\`
  alone (the stricter reading: ${r.added.overDirectAndExecuteP50 <= GOAL_MS ? "met" : "**missed**"}).
- Calls/s with ${r.settings.CONCURRENCY} clients at once for ${r.settings.SECONDS} s: direct **${r.throughput.direct}**, through the gateway
  **${r.throughput.gateway}** (one API process; the upstream runs in the benchmark's own process, beside the clients).
`;
}

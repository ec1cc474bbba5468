// `npm run bench:adapters`: what an adapter adds to a tool call (issue 28). One API process on loopback,
// one agent, an allowed tool (`read_file`). In each round, ROUND_CALLS calls of every kind, one at a
// time, the kinds in a new random order each round:
// - `canI`: the bare question, nothing recorded (the floor the issue measures against);
// - `execute`: the bare recorded decision an adapter makes, with a fresh eventId;
// - `execute + report`: the decision and its outcome, what a governed tool call costs through the SDK alone;
// - `ai-sdk`: @gatehouse/ai-sdk's toolApproval function deciding the call (execute inside);
// - `openai-agents`: @gatehouse/openai-agents' needsApproval deciding the call (execute inside);
// - `langchain`: @gatehouse/langchain's middleware around a no-op tool (execute, the tool, report).
// Each adapter is compared with the bare SDK calls it makes (its overhead: naming the action, the
// RFC 8785 digest, the framework glue) and with canI (what the goal names). Goal: an adapter adds
// ≤ 2 ms p50 over the bare calls it makes. Writes bench/results/adapters-*.json and bench/ADAPTERS.md.
// Needs PostgreSQL (DATABASE_URL's server) and Redis.
import { loadavg } from "node:os";
import { gatehouseToolApproval } from "@gatehouse/ai-sdk";
import { gatehouseMiddleware } from "@gatehouse/langchain";
import { gatehouseNeedsApproval } from "@gatehouse/openai-agents";
import { Gatehouse } from "@gatehouse/sdk";
import { ToolMessage } from "@langchain/core/messages";
import { background, benchRun, recordResults, run, timedRounds, waitFor } from "./lib";

const PORT = "4942";
const api = `http://127.0.0.1:${PORT}`;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const ROUND_CALLS = Number(process.env.BENCH_CALLS ?? 200);
const GOAL_MS = 2;
const round2 = (v: number) => Math.round(v * 100) / 100;

type Kind = "canI" | "execute" | "execute + report" | "ai-sdk" | "openai-agents" | "langchain";

await benchRun(async ({ machine, env }) => {
  const { agent } = JSON.parse(run("npx", ["tsx", "bench/setup-adapters.ts"], env).trim().split("\n").pop() as string) as { agent: string };
  background(process.execPath, ["--import", "tsx", "apps/api/src/main.ts"], { ...env, API_PORT: PORT });
  await waitFor(`${api}/healthz`);
  const gh = new Gatehouse({ apiKey: agent, baseUrl: api });
  const approval = gatehouseToolApproval({ gatehouse: gh });
  const needsApproval = gatehouseNeedsApproval({ gatehouse: gh, name: "read_file" });
  const middleware = gatehouseMiddleware({ gatehouse: gh });
  const wrap = middleware.wrapToolCall as unknown as (request: unknown, handler: (request: unknown) => Promise<ToolMessage>) => Promise<ToolMessage>;
  let n = 0;
  // `offset` differs per call, as an agent's reads do: the same call again and again is a loop (docs/loops.md).
  const args = () => ({ path: `/srv/repo/src/file-${n % 50}.ts`, encoding: "utf8", offset: n });
  const calls: Record<Kind, () => Promise<unknown>> = {
    canI: () => gh.canI("tool.read_file", { metadata: { arguments: args() } }),
    execute: () => gh.execute("tool.read_file", { metadata: { arguments: args() } }),
    "execute + report": async () => {
      const decided = await gh.execute("tool.read_file", { metadata: { arguments: args() } });
      await gh.report(decided.auditEventId, { status: "success" });
    },
    "ai-sdk": async () => {
      const answer = await approval({ toolCall: { toolCallId: `call_${++n}`, toolName: "readFile", input: args() }, messages: [] });
      if (answer.type !== "approved") throw new Error(`ai-sdk answered ${answer.type}`);
    },
    "openai-agents": async () => {
      if (await needsApproval({} as never, args() as never, `call_${++n}`)) throw new Error("openai-agents asked for approval");
    },
    langchain: async () => {
      const id = `call_${++n}`;
      await wrap({ toolCall: { id, name: "read_file", args: args() }, state: { messages: [] }, runtime: {} }, async () => new ToolMessage({ content: "ok", tool_call_id: id }));
    },
  };
  const { rows, medians } = await timedRounds(calls, ROUNDS, ROUND_CALLS);
  // An adapter against the bare calls it makes (the same round, so the same load), and against canI.
  const baseline: Record<"ai-sdk" | "openai-agents" | "langchain", Kind> = { "ai-sdk": "execute", "openai-agents": "execute", langchain: "execute + report" };
  const added = Object.fromEntries(
    (Object.keys(baseline) as Array<keyof typeof baseline>).map((adapter) => {
      const overBare = medians[adapter].map((m, i) => m - (medians[baseline[adapter]][i] ?? Number.NaN)).sort((a, b) => a - b);
      const overCanI = medians[adapter].map((m, i) => m - (medians.canI[i] ?? Number.NaN)).sort((a, b) => a - b);
      const mid = (values: number[]) => round2(values[Math.floor(values.length / 2)] ?? Number.NaN);
      return [adapter, { baseline: baseline[adapter], addedOverBareP50: mid(overBare), addedOverCanIP50: mid(overCanI) }];
    }),
  ) as Record<string, { baseline: Kind; addedOverBareP50: number; addedOverCanIP50: number }>;
  const results = { machine: { ...machine, loadavgAtEnd: loadavg().map(round2) }, settings: { ROUNDS, ROUND_CALLS }, rows, added, goal: { maxAddedP50Ms: GOAL_MS } };
  recordResults("adapters", "ADAPTERS", machine.date, results, (stamp) => summary(results, stamp));
});

function summary(
  r: {
    machine: { cpus: number; cpuModel: string; node: string; loadavgAtStart: number[]; loadavgAtEnd: number[] };
    settings: { ROUNDS: number; ROUND_CALLS: number };
    rows: Record<string, { calls: number; p50: number; p90: number; p99: number }>;
    added: Record<string, { baseline: string; addedOverBareP50: number; addedOverCanIP50: number }>;
  },
  stamp: string,
): string {
  const rows = Object.entries(r.rows)
    .map(([kind, row]) => `| ${kind} | ${row.calls} | ${row.p50} | ${row.p90} | ${row.p99} |`)
    .join("\n");
  const added = Object.entries(r.added)
    .map(([adapter, a]) => `| ${adapter} | ${a.baseline} | ${a.addedOverBareP50} | ${a.addedOverCanIP50} | ${a.addedOverBareP50 <= GOAL_MS ? "met" : "**missed**"} |`)
    .join("\n");
  return `# What an adapter adds to a tool call (issue 28)

\`npm run bench:adapters\` — one API process on loopback, one agent, an allowed tool. ${r.settings.ROUNDS} rounds of ${r.settings.ROUND_CALLS} calls of each
kind, one at a time, the kinds in a new random order each round. Machine: ${r.machine.cpus} cores (${r.machine.cpuModel}), ${r.machine.node},
load ${r.machine.loadavgAtStart.join(" ")} at start, ${r.machine.loadavgAtEnd.join(" ")} at end. Results: \`bench/results/adapters-${stamp}.json\`.

Latency of one call, in ms (the client's clock, request to answer):

| kind | calls | p50 | p90 | p99 |
|---|---|---|---|---|
${rows}

What each adapter adds, in ms: the median over rounds of (the adapter's p50 − the p50 of the bare SDK calls it makes, in the same
round), and the same against \`canI\`. An adapter records the decision (\`execute\`, as it must: a tool call that ran is in the
log), which \`canI\` never does; so the adapter's own cost is the first column, and the second is what the tool call pays over
asking \`canI\` alone. Goal: an adapter adds ≤ ${GOAL_MS} ms p50 over the bare calls it makes.

| adapter | bare calls it makes | added over them (p50) | added over canI (p50) | goal |
|---|---|---|---|---|
${added}
`;
}

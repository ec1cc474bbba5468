// `npm run bench`: every Gatehouse benchmark and its baselines, in one run on this machine.
// Needs PostgreSQL (DATABASE_URL's server, default local), Redis (REDIS_URL, default local), wrk and pgbench.
// Writes bench/results/<timestamp>.json and rewrites bench/RESULTS.md.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import pg from "pg";
import { background, benchDatabase, children, log, postLua, redisUrl, run, stopChildren, variedPostLua, waitFor, wrk, type Wrk } from "./lib";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);

async function main(): Promise<void> {
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    node: process.version,
    postgres: run("psql", ["--version"]).trim(),
    date: new Date().toISOString(),
  };
  log(`machine: ${JSON.stringify(machine)}`);

  log("in-process evaluation vs Cedar");
  const evaluation = JSON.parse(run("npx", ["tsx", "bench/eval.bench.ts"]).trim().split("\n").pop() as string) as Record<string, unknown>;

  const database = await benchDatabase();
  const url = database.url;
  try {
    const setup = JSON.parse(run("npx", ["tsx", "bench/setup-org.ts"], { DATABASE_URL: url }).trim().split("\n").pop() as string) as { orgId: string; agentKey: string };

    log("floor: bare node:http JSON echo");
    background(process.execPath, ["--import", "tsx", "bench/echo-server.ts", "4901"], {});
    await waitFor("http://127.0.0.1:4901/");
    const echo = wrk("http://127.0.0.1:4901/", 128, SECONDS, postLua("x", { actionType: "svc1.read" }));

    log("floor: pgbench single-row inserts");
    const pgClient = new pg.Client({ connectionString: url });
    await pgClient.connect();
    await pgClient.query("CREATE TABLE bench_insert (id bigserial PRIMARY KEY, payload text NOT NULL)");
    await pgClient.end();
    writeFileSync("/tmp/gatehouse-pgbench.sql", "INSERT INTO bench_insert (payload) VALUES ('decision');\n");
    const pgbenchOut = run("pgbench", ["-n", "-c", "32", "-j", "2", "-T", String(SECONDS), "-f", "/tmp/gatehouse-pgbench.sql", url]);
    const pgbench = { tps: Number(/tps = ([\d.]+)/.exec(pgbenchOut)?.[1] ?? 0), clients: 32 };

    log("api: one process");
    background(process.execPath, ["--import", "tsx", "apps/api/src/main.ts"], {
      DATABASE_URL: url,
      REDIS_URL: redisUrl,
      API_PORT: "4902",
      API_HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
    });
    await waitFor("http://127.0.0.1:4902/healthz");
    // Each call differs (metadata.call), as an agent's do: the same body again and again is a loop (docs/loops.md).
    const body = { actionType: "svc1.read", metadata: { size: 10, env: "dev" } };
    wrk("http://127.0.0.1:4902/v1/actions", 32, 3, variedPostLua(setup.agentKey, body)); // warm-up
    const before = await countEntries(url, setup.orgId);
    const execute = wrk("http://127.0.0.1:4902/v1/actions", 128, SECONDS, variedPostLua(setup.agentKey, body));
    const after = await countEntries(url, setup.orgId);
    const check = wrk("http://127.0.0.1:4902/v1/actions/check", 64, SECONDS, postLua(setup.agentKey, body));
    const fixed = JSON.parse(
      run("npx", [
        "tsx",
        "bench/load.ts",
        "http://127.0.0.1:4902/v1/actions",
        "2000",
        String(SECONDS),
        setup.agentKey,
        JSON.stringify({ ...body, metadata: { ...body.metadata, call: "__CALL__" } }),
      ])
        .trim()
        .split("\n")
        .pop() as string,
    ) as Record<string, number>;
    const chain = await verifyChain(url, setup.orgId);

    const results = {
      machine,
      evaluation,
      floors: { nodeHttpEcho: echo, pgbenchInsert: pgbench },
      execute: { ...execute, auditEntriesWritten: after - before, answered2xx: execute.requests - execute.non2xx },
      check,
      executeAt2000PerSecond: fixed,
      ratios: {
        executeVsNodeHttpEcho: Number((execute.requestsPerSecond / echo.requestsPerSecond).toFixed(3)),
        executeVsPgbenchInsert: Number((execute.requestsPerSecond / pgbench.tps).toFixed(3)),
        checkVsNodeHttpEcho: Number((check.requestsPerSecond / echo.requestsPerSecond).toFixed(3)),
      },
      auditChain: chain,
    };
    mkdirSync("bench/results", { recursive: true });
    const stamp = machine.date.replace(/[:.]/g, "-");
    writeFileSync(`bench/results/${stamp}.json`, `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync("bench/RESULTS.md", summary(results, stamp));
    console.log(JSON.stringify(results, null, 2));
  } finally {
    await stopChildren();
    await database.drop();
  }
}

async function countEntries(url: string, orgId: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ n: string }>("SELECT count(*)::text AS n FROM audit_entries WHERE org_id = $1", [orgId]);
  await client.end();
  return Number(rows[0]?.n ?? 0);
}

/** Every entry's leaf and chain hash recomputed: the benchmark's writes are a valid log. */
async function verifyChain(url: string, orgId: string): Promise<{ entries: number; valid: boolean }> {
  const out = run("npx", ["tsx", "bench/verify-chain.ts", orgId], { DATABASE_URL: url });
  return JSON.parse(out.trim().split("\n").pop() as string) as { entries: number; valid: boolean };
}

function summary(r: Record<string, unknown>, stamp: string): string {
  const j = (v: unknown) => JSON.stringify(v);
  const res = r as {
    machine: Record<string, unknown>;
    evaluation: { gatehouse: { perSecond: number; microsPer: number }; cedar: { perSecond: number; microsPer: number }; ratio: number; sanity: unknown };
    floors: { nodeHttpEcho: Wrk; pgbenchInsert: { tps: number } };
    execute: Wrk & { auditEntriesWritten: number; answered2xx: number };
    check: Wrk;
    executeAt2000PerSecond: Record<string, number>;
    ratios: Record<string, number>;
    auditChain: unknown;
  };
  return `# Benchmark results

Latest run: \`npm run bench\` (${stamp}); raw numbers in \`bench/results/${stamp}.json\`.
Machine: ${j(res.machine)}

| what | result | target |
|---|---|---|
| in-process evaluation, 100 policies, one core | ${res.evaluation.gatehouse.perSecond.toLocaleString("en")} decisions/s (${res.evaluation.gatehouse.microsPer} µs) | ≥ 200,000/s |
| Cedar (cedar-wasm, preparsed), same set, same run | ${res.evaluation.cedar.perSecond.toLocaleString("en")} decisions/s (${res.evaluation.cedar.microsPer} µs) | — |
| ratio Gatehouse / Cedar | ${res.evaluation.ratio}× | — |
| \`POST /v1/actions\`, one process, one org, audit durable (wrk -c128) | ${Math.round(res.execute.requestsPerSecond).toLocaleString("en")}/s, p50 ${res.execute.p50ms} ms, p99 ${res.execute.p99ms} ms; ${res.execute.auditEntriesWritten} entries for ${res.execute.answered2xx} answers | ≥ 5,000/s |
| \`POST /v1/actions\` at a fixed 2,000/s (open loop) | p50 ${res.executeAt2000PerSecond.p50} ms, p99 ${res.executeAt2000PerSecond.p99} ms, errors ${res.executeAt2000PerSecond.errors} | p99 ≤ 25 ms |
| \`POST /v1/actions/check\` (wrk -c64) | ${Math.round(res.check.requestsPerSecond).toLocaleString("en")}/s | ≥ 15,000/s |
| floor: bare node:http JSON echo (wrk -c128) | ${Math.round(res.floors.nodeHttpEcho.requestsPerSecond).toLocaleString("en")}/s | — |
| floor: pgbench single-row insert (32 clients) | ${Math.round(res.floors.pgbenchInsert.tps).toLocaleString("en")} tps | — |
| ratios | ${j(res.ratios)} | — |
| audit chain after the run | ${j(res.auditChain)} | valid |

Evaluation sanity check: ${j(res.evaluation.sanity)}. The load generator (wrk, or bench/load.ts for the fixed
rate) runs on the same two cores as the API and PostgreSQL.
wrk counts only answers it received before stopping; the few extra audit entries are requests that were in
flight when it stopped, committed after it stopped counting. The runs in \`bench/results/\` come from several
hosts, so compare code on one host, in one session:
- AMD EPYC host (2026-11-21 21:07): echo floor 68k/s, pgbench 48k tps, evaluation 606k/s; execute 5,779/s (0.085 of the echo floor).
- An earlier host: echo floor 43k/s, pgbench 21k tps; execute 3,616/s (0.084).
- Intel Xeon host (2026-11-22 00:20–00:30): echo floor 37–44k/s, pgbench 20–25k tps, evaluation 274–380k/s; execute
  2,562 / 2,650 / 2,794 per s with the audit tree in the hot path, and 2,352/s with the code from before it
  (commit 13a4498, run between them: \`2026-11-22T00-26-00-545Z-at-13a4498.json\`). The ≥ 5,000/s target holds on
  the first host only; on this one the code before the tree is no faster. Then, on the same host, sharing the
  cache reads that expire together (agent, settings, policy revision) and writing each batch in three round trips
  instead of six plus one per approval: 3,154/s, p99 55 ms (\`2026-11-22T00-49-*.json\`; p99 was 100–154 ms).
`;
}

main().catch((error) => {
  for (const child of children) child.kill("SIGTERM");
  console.error(error);
  process.exit(1);
});

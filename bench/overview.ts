// `npm run bench:overview`: issue 15's targets with 1,000,000 decisions in one org —
//   the overview's server time (getOverview, every range) ≤ 300 ms and GET /v1/posture ≤ 500 ms (p95),
//   each measured beside a trivial query on the same pool (SELECT 1 in-process; GET /v1/whoami over
//   HTTP, which authenticates and reads the same pool).
// The org is made through the services (policies, 20 agents, 3 approvers); its decisions are seeded
// with SQL in the shape the decision path writes (audit entries `action.decided` and `action.outcome`,
// actions, approvals and their votes, spread over the last 30 days), then the worker's rollup job
// counts them from the audit log exactly as it does in production (its throughput is recorded too).
// Needs PostgreSQL (DATABASE_URL's server) and Redis, like `npm run bench`.
// Writes bench/results/overview-<timestamp>.json and bench/OVERVIEW.md.
import { loadavg } from "node:os";
import pg from "pg";
import { background, benchRun, log, recordResults, run, timing, waitFor, type Timing } from "./lib";

const DECISIONS = Number(process.env.BENCH_DECISIONS ?? 1_000_000);
const BATCH = 100_000;
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 40);
const round2 = (v: number) => Math.round(v * 100) / 100;

interface Setup {
  orgId: string;
  slug: string;
  ownerMembershipId: string;
  ownerUserId: string;
  agentIds: string[];
  approverMembershipIds: string[];
  adminKey: string;
  agentKey: string;
}

/**
 * Decisions i = 0 … DECISIONS−1, evenly over the last 30 days, by agent i mod 20, of 200 action types:
 * every 10th asks for approval, two in ten are denied (one NO_POLICY, one CONDITIONS_DENIED), the rest
 * executed. Approvals: one in ten expires, one is denied, the rest approved, decided 0–30 min after
 * being opened by one of three approvers. One executed decision in 50 reports an outcome.
 */
async function seed(client: pg.Client, setup: Setup): Promise<{ entries: number; seconds: number }> {
  const started = performance.now();
  const head = await client.query<{ size: string }>(`SELECT size FROM audit_log_heads WHERE org_id = $1`, [setup.orgId]);
  const start = Number(head.rows[0]?.size ?? 0);
  const source = `
    SELECT i, $1::text AS org_id, ($2::text[])[1 + i % 20] AS agent_id,
      'svc' || (i % 40) || '.' || (ARRAY['read','list','write','delete','merge'])[1 + (i / 40) % 5] AS action_type,
      CASE WHEN i % 10 = 0 THEN 'requested' WHEN i % 10 IN (1, 2) THEN 'denied' ELSE 'executed' END AS status,
      CASE WHEN i % 10 = 1 THEN 'NO_POLICY' WHEN i % 10 = 2 THEN 'CONDITIONS_DENIED' END AS reason,
      now() - make_interval(secs => ($3::bigint - i) * 2592000.0 / $3::bigint) AS t
    FROM generate_series($4::bigint, $5::bigint) AS i`;
  const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  for (let from = 0; from < DECISIONS; from += BATCH) {
    const to = Math.min(DECISIONS, from + BATCH) - 1;
    await client.query(
      `WITH s AS (${source}),
       entries AS (
         INSERT INTO audit_entries (id, org_id, seq, type, actor_type, actor_id, subject_id, agent_id, canonical, leaf_hash, chain_hash, created_at)
         SELECT 'aud_bench' || i, org_id, $6::bigint + i, 'action.decided', 'agent', agent_id, 'act_bench' || i, agent_id,
           json_build_object('v', 1, 'id', 'aud_bench' || i, 'orgId', org_id, 'seq', $6::bigint + i, 'type', 'action.decided',
             'actor', json_build_object('type', 'agent', 'id', agent_id), 'agentId', agent_id, 'subjectId', 'act_bench' || i, 'time', ${iso("t")},
             'data', json_strip_nulls(json_build_object('actionId', 'act_bench' || i, 'agentName', 'bench', 'actionType', action_type, 'status', status,
               'denialReason', reason, 'approvalId', CASE WHEN status = 'requested' THEN 'apr_bench' || i END)))::text,
           md5(i::text), md5(i::text), t
         FROM s
       ),
       acts AS (
         INSERT INTO actions (id, org_id, agent_id, action_type, status, denial_reason, result, request_hash, audit_entry_id, created_at)
         SELECT 'act_bench' || i, org_id, agent_id, action_type, status::action_status, reason, '{}'::jsonb, md5(i::text), 'aud_bench' || i, t FROM s
       )
       INSERT INTO approvals (id, org_id, action_id, agent_id, request_hash, status, quorum, approver_roles, expires_at, decided_at, created_at, updated_at)
       SELECT 'apr_bench' || i, org_id, 'act_bench' || i, agent_id, md5(i::text),
         (CASE (i / 10) % 10 WHEN 0 THEN 'expired' WHEN 1 THEN 'denied' ELSE 'approved' END)::approval_status, 1, '{owner,admin,approver}',
         t + interval '1 hour',
         CASE WHEN (i / 10) % 10 = 0 THEN NULL ELSE t + make_interval(secs => (i / 10) % 1800) END, t, t
       FROM s WHERE status = 'requested'`,
      [setup.orgId, setup.agentIds, DECISIONS, from, to, start],
    );
    log(`seeded ${to + 1} of ${DECISIONS} decisions`);
  }
  await client.query(
    `INSERT INTO approval_votes (id, org_id, approval_id, membership_id, decision, created_at)
     SELECT 'vote_' || a.id, a.org_id, a.id, ($2::text[])[1 + (substr(a.id, 10)::bigint / 10) % 3],
       (CASE a.status WHEN 'approved' THEN 'approve' ELSE 'deny' END)::vote_decision, a.decided_at
     FROM approvals a WHERE a.org_id = $1 AND a.status IN ('approved', 'denied')`,
    [setup.orgId, setup.approverMembershipIds],
  );
  // Outcomes: appended after the decisions, as reports arrive later.
  const outcomes = await client.query(
    `WITH o AS (
       SELECT a.id, a.org_id, a.agent_id, a.action_type, a.audit_entry_id, a.created_at + interval '1 minute' AS t, row_number() OVER (ORDER BY a.created_at) - 1 AS k
       FROM actions a WHERE a.org_id = $1 AND a.status = 'executed' AND substr(a.id, 10)::bigint % 50 = 3
     ), marked AS (
       UPDATE actions SET outcome_status = 'success', outcome_at = o.t FROM o WHERE actions.id = o.id
     )
     INSERT INTO audit_entries (id, org_id, seq, type, actor_type, actor_id, subject_id, agent_id, canonical, leaf_hash, chain_hash, created_at)
     SELECT 'aud_bench_o' || k, org_id, $2::bigint + k, 'action.outcome', 'agent', agent_id, id, agent_id,
       json_build_object('v', 1, 'id', 'aud_bench_o' || k, 'orgId', org_id, 'seq', $2::bigint + k, 'type', 'action.outcome',
         'actor', json_build_object('type', 'agent', 'id', agent_id), 'agentId', agent_id, 'subjectId', id, 'time', ${iso("t")},
         'data', json_build_object('actionId', id, 'auditEventId', audit_entry_id, 'actionType', action_type, 'status', 'success'))::text,
       md5(id), md5(id), t
     FROM o`,
    [setup.orgId, start + DECISIONS],
  );
  const entries = DECISIONS + (outcomes.rowCount ?? 0);
  await client.query(`UPDATE audit_log_heads SET size = $2 WHERE org_id = $1`, [setup.orgId, start + entries]);
  await client.query(`ANALYZE`);
  return { entries, seconds: round2((performance.now() - started) / 1000) };
}

async function httpTimings(url: string, key: string, iterations: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < iterations; i += 1) {
    const started = performance.now();
    const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
    out.push(performance.now() - started);
  }
  return out;
}

async function main(): Promise<void> {
  await benchRun(async ({ machine, client, env }) => {
    const setup = JSON.parse(run("npx", ["tsx", "bench/setup-overview.ts"], env).trim().split("\n").pop() as string) as Setup;
    log(`seeding ${DECISIONS} decisions`);
    const seeded = await seed(client, setup);
    log(`seeded ${seeded.entries} audit entries in ${seeded.seconds} s; counting them into the rollups and measuring in-process`);
    const inProcess = JSON.parse(
      run("npx", ["tsx", "bench/measure-overview.ts"], { ...env, BENCH_ORG: JSON.stringify(setup), BENCH_ITERATIONS: String(ITERATIONS) })
        .trim()
        .split("\n")
        .pop() as string,
    ) as Pick<Results, "rollup" | "trivial" | "overview" | "posture">;

    log("GET /v1/posture over HTTP (one API process), beside GET /v1/whoami");
    background(process.execPath, ["--import", "tsx", "apps/api/src/main.ts"], { ...env, API_PORT: "4931" });
    await waitFor("http://127.0.0.1:4931/healthz");
    const api = "http://127.0.0.1:4931";
    await httpTimings(`${api}/v1/posture`, setup.adminKey, 3);
    const posture: number[] = [];
    const whoami: number[] = [];
    // Interleaved, so both see the same host.
    for (let i = 0; i < ITERATIONS; i += 1) {
      whoami.push(...(await httpTimings(`${api}/v1/whoami`, setup.adminKey, 1)));
      posture.push(...(await httpTimings(`${api}/v1/posture`, setup.adminKey, 1)));
    }
    const agentPosture = await httpTimings(`${api}/v1/posture`, setup.agentKey, ITERATIONS);
    const http = { posture: timing(posture), postureWithAgentKey: timing(agentPosture), whoamiBaseline: timing(whoami) };

    const results = {
      machine: { ...machine, loadavgAtEnd: loadavg().map(round2) },
      settings: { DECISIONS, ITERATIONS },
      seeded,
      ...inProcess,
      http,
      targets: { overviewP95Ms: 300, postureP95Ms: 500 },
    };
    recordResults("overview", "OVERVIEW", machine.date, results, (stamp) => summary(results, stamp));
  });
}

interface Results {
  machine: { cpus: number; cpuModel: string; node: string; loadavgAtStart: number[] };
  settings: { DECISIONS: number; ITERATIONS: number };
  seeded: { entries: number; seconds: number };
  rollup: { entries: number; seconds: number; entriesPerSecond: number; rows: number };
  trivial: Timing;
  overview: Record<"24h" | "7d" | "30d", Timing>;
  posture: Timing;
  http: { posture: Timing; postureWithAgentKey: Timing; whoamiBaseline: Timing };
}

function summary(r: Results, stamp: string): string {
  const row = (name: string, t: Timing, target?: number) =>
    `| ${name} | ${t.p50} | ${t.p95} | ${t.max} | ${target ? `≤ ${target} ${t.p95 <= target ? "met" : "**missed**"}` : "baseline"} |`;
  return `# Overview and posture at 1,000,000 decisions (issue 15)

\`npm run bench:overview\` — ${r.settings.DECISIONS.toLocaleString("en")} decisions in one org over 30 days (${r.seeded.entries.toLocaleString("en")} audit entries with the outcomes),
${r.settings.ITERATIONS} timed calls each after warm-up. Machine: ${r.machine.cpus} cores (${r.machine.cpuModel}), ${r.machine.node}, load ${r.machine.loadavgAtStart.join(" ")} at start.
Results: \`bench/results/overview-${stamp}.json\`.

The rollup job counted the seeded log from scratch in ${r.rollup.seconds} s (${r.rollup.entriesPerSecond.toLocaleString("en")} entries/s, ${r.rollup.rows.toLocaleString("en")} rollup rows).

| call (ms) | p50 | p95 | max | target (p95) |
|---|---|---|---|---|
${row("SELECT 1 on the same pool (in-process)", r.trivial)}
${row("getOverview 24h (in-process)", r.overview["24h"], 300)}
${row("getOverview 7d (in-process)", r.overview["7d"], 300)}
${row("getOverview 30d (in-process)", r.overview["30d"], 300)}
${row("getPosture (in-process)", r.posture, 500)}
${row("GET /v1/whoami over HTTP", r.http.whoamiBaseline)}
${row("GET /v1/posture over HTTP (admin key)", r.http.posture, 500)}
${row("GET /v1/posture over HTTP (agent key)", r.http.postureWithAgentKey, 500)}
`;
}

await main();

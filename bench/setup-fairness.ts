// Creates the fairness benchmark's two orgs in DATABASE_URL and fills the heavy one: ENTRIES audit
// entries appended through the log's own append (a valid log, checkpoints every 100,000), DECISIONS
// recorded decisions for replays (SQL, the decision path's columns), and BURST_AGENTS agents whose
// keys each create one burst of 100 delegations (the default cap of active children per agent).
// For the pattern bomb, the heavy org's policies also hold the worst patterns the schemas accept
// (8 stars in action and agent patterns, `matches` conditions at the 300-instruction cap) and an agent
// `bomber` acts on them; for the event replays, STREAM_KEYS keys of the agent whose entries fill the log.
// Prints { heavy: { orgId, adminKey, burstKeys, bomberKey, streamKeys, lastSeq }, other: { agentKey }, seeded }
// (lastSeq: the sequence number of the last seeded entry, where a replay from 0 ends).
import { appendAuditEntries, checkpointAuditLog, closeSignals, createAgent, db, disconnectDb, issueAgentKey } from "@gatehouse/db";
import { createTestOrg } from "@gatehouse/db/testing";
import { BOMB_POLICIES } from "./fairness-bombs";
import { decidedEntry } from "./lib";

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 1_000_000);
const DECISIONS = Number(process.env.BENCH_DECISIONS ?? 200_000);
const BURST_AGENTS = Number(process.env.BENCH_BURST_AGENTS ?? 40);
const STREAM_KEYS = 5;
const log = (line: string) => console.error(`[bench] ${line}`);

const allow = [{ name: "allow-pr", actions: ["pr.*"], effect: "allow" }];
// The bomber sends the same heavy call again and again, which loop detection (docs/loops.md) would refuse
// cheaply after 20: `loop: false` on its actions keeps every bomb at its full cost.
const bombLoops = { name: "bombs-are-not-loops", actions: ["bomb.*"], effect: "allow", loop: false };
const heavy = await createTestOrg({ label: "bench-fair-heavy", policies: [...allow, ...BOMB_POLICIES, bombLoops] });
const other = await createTestOrg({ label: "bench-fair-other", policies: allow });
const orgId = heavy.org.id;

const started = performance.now();
for (let from = 0; from < ENTRIES; from += 2_000) {
  const n = Math.min(2_000, ENTRIES - from);
  await db().$transaction((tx) =>
    appendAuditEntries(
      tx,
      orgId,
      Array.from({ length: n }, (_, k) => decidedEntry(from + k, heavy.agent)),
    ),
  );
  if ((from + n) % 100_000 < n) {
    await checkpointAuditLog(orgId);
    log(`appended ${(from + n).toLocaleString("en")} entries`);
  }
}
await db().pool.query(
  `INSERT INTO actions (id, org_id, agent_id, action_type, metadata, status, result, request_hash, audit_entry_id, created_at)
   SELECT 'act_fair' || i, $1, $2, 'pr.' || (ARRAY['open','merge','close'])[1 + i % 3], jsonb_build_object('pr', i, 'repo', 'acme/api'), 'executed', '{}'::jsonb,
     md5(i::text), 'aud_fair' || i, now() - make_interval(secs => i * 2)
   FROM generate_series(1, $3::int) AS i`,
  [orgId, heavy.agent.id, DECISIONS],
);
await db().pool.query("VACUUM ANALYZE audit_entries, merkle_nodes, checkpoints, actions");
const seconds = Math.round((performance.now() - started) / 10) / 100;
const burstKeys: string[] = [];
for (let i = 0; i < BURST_AGENTS; i += 1) burstKeys.push((await createAgent({ ctx: heavy.ctx, input: { name: `burst-${i}` } })).apiKey);
const bomberKey = (await createAgent({ ctx: heavy.ctx, input: { name: "bomber" } })).apiKey;
const [last] = await db()
  .pool.query<{ seq: string }>("SELECT max(seq)::text AS seq FROM audit_entries WHERE org_id = $1 AND agent_id = $2", [orgId, heavy.agent.id])
  .then((r) => r.rows);
const streamKeys = [heavy.agent.apiKey];
while (streamKeys.length < STREAM_KEYS) streamKeys.push((await issueAgentKey({ ctx: heavy.ctx, input: { agentId: heavy.agent.id } })).apiKey);
console.log(
  JSON.stringify({
    heavy: { orgId, adminKey: heavy.adminKey.apiKey, burstKeys, bomberKey, streamKeys, lastSeq: Number(last?.seq ?? -1) },
    other: { agentKey: other.agent.apiKey },
    seeded: { entries: ENTRIES, decisions: DECISIONS, seconds },
  }),
);
await disconnectDb();
await closeSignals();

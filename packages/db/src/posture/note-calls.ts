import { coverageKindsOf, type CoverageKind } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { db, type Db } from "../infra/client";

/** Each process writes what it counted at most this long after the first call it has not written. */
const FLUSH_AFTER_MS = 5_000;
/** Past this many (agent, day, kind) counts waiting, they are written at once (memory stays bounded). */
const MAX_PENDING = 10_000;

interface Pending {
  orgId: string;
  agentId: string;
  day: string;
  kind: CoverageKind;
  count: number;
  lastSeenAt: string;
}

/** The counts not yet written, by the database client in use when they were counted (a test may disconnect and reconnect). */
const pending = new Map<Db, Map<string, Pending>>();
let pendingCount = 0;
let timer: ReturnType<typeof setTimeout> | undefined;
let writing: Promise<void> = Promise.resolve();

/**
 * Counts a recorded decision toward its agent's coverage (docs/agents.md, Coverage): a model call
 * (it declared `spend`) through a model-client wrapper or not, a tool call (it named its `tool`)
 * through an adapter or not, by the integration its request came through. Observation: never awaited
 * by the call, the counts are summed in memory and written in one statement a few seconds later, and
 * a failed write is dropped.
 */
export function noteCalls(ctx: Ctx, call: { spend: boolean; tool: boolean }, now = new Date()): void {
  const { actor } = ctx;
  if (actor.type !== "agent") return;
  const kinds = coverageKindsOf({ integration: ctx.integration?.name ?? null, ...call });
  if (kinds.length === 0) return;
  const day = now.toISOString().slice(0, 10);
  const client = db();
  const counts = pending.get(client) ?? new Map<string, Pending>();
  pending.set(client, counts);
  for (const kind of kinds) {
    const key = `${actor.agentId}\u0000${day}\u0000${kind}`;
    const seen = counts.get(key);
    if (seen) {
      seen.count += 1;
      seen.lastSeenAt = now.toISOString();
    } else {
      counts.set(key, { orgId: ctx.org.id, agentId: actor.agentId, day, kind, count: 1, lastSeenAt: now.toISOString() });
      pendingCount += 1;
    }
  }
  if (pendingCount >= MAX_PENDING) void flushCallCoverage();
  else timer ??= setTimeout(() => void flushCallCoverage(), FLUSH_AFTER_MS).unref();
}

/**
 * Writes the counts this process holds (GET /v1/coverage and posture call it first, so a reader on
 * this process sees its own calls at once; other processes' counts arrive within FLUSH_AFTER_MS).
 * Never throws.
 */
export function flushCallCoverage(): Promise<void> {
  if (timer) clearTimeout(timer);
  timer = undefined;
  const batches = [...pending.entries()];
  pending.clear();
  pendingCount = 0;
  if (batches.length === 0) return writing;
  // One write at a time, in order; each batch to the database it was counted against (one that was closed since
  // refuses the write, which is dropped).
  const write = writing.then(async () => {
    for (const [client, counts] of batches) await writeCounts(client, [...counts.values()]);
  });
  writing = write;
  return write;
}

async function writeCounts(client: Db, rows: Pending[]): Promise<void> {
  try {
    await client.pool.query(
      `INSERT INTO agent_call_coverage (org_id, agent_id, day, kind, count, last_seen_at)
       SELECT x.org_id, x.agent_id, x.day::timestamptz, x.kind, x.count, x.last_seen_at
       FROM jsonb_to_recordset($1::jsonb) AS x(org_id text, agent_id text, day text, kind text, count bigint, last_seen_at timestamptz)
       JOIN agents a ON a.id = x.agent_id AND a.org_id = x.org_id
       ON CONFLICT (agent_id, day, kind) DO UPDATE SET count = agent_call_coverage.count + EXCLUDED.count,
         last_seen_at = GREATEST(agent_call_coverage.last_seen_at, EXCLUDED.last_seen_at)`,
      [JSON.stringify(rows.map((r) => ({ org_id: r.orgId, agent_id: r.agentId, day: `${r.day}T00:00:00Z`, kind: r.kind, count: r.count, last_seen_at: r.lastSeenAt })))],
    );
  } catch {
    // Observation fails open: counts that cannot be written are dropped.
  }
}

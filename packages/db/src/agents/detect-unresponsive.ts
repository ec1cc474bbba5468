import { DEFAULT_HEARTBEAT_SECONDS, MISSED_BEATS, RUN_IDLE_SECONDS } from "@gatehouse/core";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { db, TX_OPTIONS } from "../infra/client";
import { publishAfterCommit } from "../infra/signals";

export const PRESENCE_ACTOR = { type: "system", id: "presence" } as const;

/**
 * The worker's presence sweep (every few seconds, docs/agents.md): each active agent whose heartbeat
 * session is open and that missed MISSED_BEATS beats is marked unresponsive once, with an
 * `agent.unresponsive` entry naming its runs still running (streamed as the `agent.unresponsive`
 * event). The mark is claimed by one UPDATE, so two sweeps never record it twice; the agent's next
 * call or heartbeat clears it. Answers how many it recorded.
 */
export async function detectUnresponsiveAgents({ now = Date.now() }: { now?: number } = {}): Promise<number> {
  const at = new Date(now);
  const { rows } = await db().pool.query<{ id: string; org_id: string; name: string; last_seen_at: Date; heartbeat_seconds: number | null }>(
    `UPDATE agents a SET unresponsive_since = $1
     FROM orgs o
     WHERE o.id = a.org_id AND o.closed_at IS NULL AND a.heartbeat_open AND a.unresponsive_since IS NULL AND a.status = 'active'
       AND a.last_seen_at < $1::timestamptz - make_interval(secs => $2 * COALESCE(a.heartbeat_seconds, $3))
     RETURNING a.id, a.org_id, a.name, a.last_seen_at, a.heartbeat_seconds`,
    [at, MISSED_BEATS, DEFAULT_HEARTBEAT_SECONDS],
  );
  const orgs = new Set<string>();
  for (const agent of rows) {
    const running = await db().pool.query<{ id: string }>(
      `SELECT id FROM runs WHERE org_id = $1 AND (agent_id = $2 OR root_agent_id = $2) AND status = 'running' AND last_activity_at > $3 ORDER BY last_activity_at DESC LIMIT 100`,
      [agent.org_id, agent.id, new Date(now - RUN_IDLE_SECONDS * 1000)],
    );
    await db().$transaction(
      (tx) =>
        appendAuditEntry(tx, agent.org_id, {
          type: "agent.unresponsive",
          actor: PRESENCE_ACTOR,
          agentId: agent.id,
          subjectId: agent.id,
          data: {
            agentName: agent.name,
            lastSeenAt: agent.last_seen_at.toISOString(),
            heartbeatSeconds: agent.heartbeat_seconds ?? DEFAULT_HEARTBEAT_SECONDS,
            runs: running.rows.map((r) => r.id),
          },
        }),
      TX_OPTIONS,
    );
    orgs.add(agent.org_id);
  }
  // Live event streams read the new entries now rather than at their next tick.
  for (const orgId of orgs) await publishAfterCommit({ type: "audit.appended", orgId });
  return rows.length;
}

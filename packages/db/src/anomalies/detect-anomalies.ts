import { ANOMALY_QUIET_MINUTES, anomalyDue, anomalySettings, anomalyWindows, detectAgentAnomalies, type Anomaly, type SystemHalt } from "@gatehouse/core";
import { announceHalts, haltInTx } from "../agents/halt-by-system";
import { lockAuditLog } from "../audit/lock-audit-log";
import { appendAuditEntry } from "../audit/append-audit-entries";
import { db, TX_OPTIONS } from "../infra/client";
import { publishAfterCommit } from "../infra/signals";

export const ANOMALY_ACTOR = { type: "system", id: "anomaly-detector" } as const;

interface WindowRow {
  org_id: string;
  agent_id: string;
  recent_calls: string;
  recent_denied: string;
  baseline_calls: string;
  baseline_denied: string;
}

/**
 * The worker's anomaly sweep (each minute): per agent of every open org, the last complete minutes
 * against their trailing baseline from the per-minute rollups (core's rule, docs/posture.md,
 * "Anomalies"). Each anomaly is an `agent.anomaly_detected` audit entry (an `anomaly.detected`
 * event), not repeated for the same agent and kind within ANOMALY_QUIET_MINUTES; with the org's
 * `anomaly.haltAgent` on, the agent is halted too, by the system (an `enforcement.triggered` event).
 * Reads only the rollups, so it sees decisions once the rollup job has counted them. Returns how
 * many anomalies it recorded.
 */
export async function detectAnomalies({ now = Date.now() }: { now?: number } = {}): Promise<number> {
  const { baselineFrom, recentFrom, to } = anomalyWindows(now);
  const windows = await db().pool.query<WindowRow>(
    `SELECT r.org_id, r.agent_id,
       SUM(r.executed + r.denied + r.requested) FILTER (WHERE r.bucket >= $2) AS recent_calls,
       SUM(r.denied) FILTER (WHERE r.bucket >= $2) AS recent_denied,
       SUM(r.executed + r.denied + r.requested) FILTER (WHERE r.bucket < $2) AS baseline_calls,
       SUM(r.denied) FILTER (WHERE r.bucket < $2) AS baseline_denied
     FROM orgs o JOIN decision_rollups r ON r.org_id = o.id AND r.period = 'minute' AND r.bucket >= $1 AND r.bucket < $3
     WHERE o.closed_at IS NULL
     GROUP BY r.org_id, r.agent_id`,
    [new Date(baselineFrom).toISOString(), new Date(recentFrom).toISOString(), new Date(to).toISOString()],
  );
  const found = new Map<string, Array<{ agentId: string; anomaly: Anomaly }>>();
  for (const row of windows.rows) {
    const anomalies = detectAgentAnomalies(
      { calls: Number(row.recent_calls ?? 0), denied: Number(row.recent_denied ?? 0) },
      { calls: Number(row.baseline_calls ?? 0), denied: Number(row.baseline_denied ?? 0) },
    );
    if (anomalies.length === 0) continue;
    const list = found.get(row.org_id) ?? [];
    for (const anomaly of anomalies) list.push({ agentId: row.agent_id, anomaly });
    found.set(row.org_id, list);
  }
  let recorded = 0;
  for (const [orgId, anomalies] of found) {
    try {
      recorded += await recordAnomalies(orgId, anomalies, now);
    } catch {
      // Observation: one org's failure (closed meanwhile, the agent deleted) never stops the others.
    }
  }
  return recorded;
}

async function recordAnomalies(orgId: string, anomalies: Array<{ agentId: string; anomaly: Anomaly }>, now: number): Promise<number> {
  const org = await db().org.findUnique({ where: { id: orgId }, select: { id: true, slug: true, name: true, settings: true, closedAt: true } });
  if (!org || org.closedAt) return 0;
  const settings = anomalySettings(org.settings);
  const halts: Array<{ agentId: string; reason: string }> = [];
  let made: SystemHalt[] = [];
  const recorded = await db().$transaction(async (tx) => {
    // Under the log lock: two sweeps racing on one org see each other's entries.
    await lockAuditLog(tx, orgId);
    const since = new Date(now - ANOMALY_QUIET_MINUTES * 60_000);
    const recent = await tx.$queryRaw<Array<{ agent_id: string | null; canonical: string; created_at: Date }>>`
      SELECT agent_id, canonical, created_at FROM audit_entries
      WHERE org_id = ${orgId} AND type = 'agent.anomaly_detected' AND created_at > ${since} ORDER BY seq DESC LIMIT 1000`;
    const last = new Map<string, number>();
    for (const entry of recent) {
      const kind = (JSON.parse(entry.canonical) as { data?: { kind?: string } }).data?.kind;
      const key = `${entry.agent_id}\u0000${kind}`;
      if (!last.has(key)) last.set(key, entry.created_at.getTime());
    }
    const agents = await tx.agent.findMany({ where: { orgId, id: { in: [...new Set(anomalies.map((a) => a.agentId))] } }, select: { id: true, name: true, status: true } });
    const byId = new Map(agents.map((a) => [a.id, a]));
    let count = 0;
    for (const { agentId, anomaly } of anomalies) {
      const agent = byId.get(agentId);
      if (!agent || !anomalyDue(last.get(`${agentId}\u0000${anomaly.kind}`), now)) continue;
      await appendAuditEntry(tx, orgId, {
        type: "agent.anomaly_detected",
        actor: ANOMALY_ACTOR,
        agentId,
        subjectId: agentId,
        data: { agentName: agent.name, ...anomaly },
      });
      count += 1;
      if (settings.haltAgent && agent.status === "active" && !halts.some((h) => h.agentId === agentId)) {
        halts.push({ agentId, reason: anomalyReason(anomaly) });
      }
    }
    // The halts the org asks for, in the same commit as the anomalies that caused them.
    made = await haltInTx(
      tx,
      orgId,
      halts.map((h) => ({ ...h, by: ANOMALY_ACTOR.id })),
    );
    return count;
  }, TX_OPTIONS);
  await announceHalts(orgId, made);
  // Live event streams read the new entries now rather than at their next tick.
  if (recorded > 0) await publishAfterCommit({ type: "audit.appended", orgId });
  return recorded;
}

/** Why the detector halted an agent, in words (the halt's reason). */
export function anomalyReason(anomaly: Anomaly): string {
  return anomaly.kind === "call_rate"
    ? `anomaly: ${anomaly.recent} calls in the last ${anomaly.windowMinutes} minutes, ${anomaly.multiple ?? "∞"}× the baseline of ${anomaly.baseline} (threshold ${anomaly.threshold}×)`
    : `anomaly: ${Math.round(anomaly.recent * 100)}% of calls denied in the last ${anomaly.windowMinutes} minutes against ${Math.round(anomaly.baseline * 100)}% before (threshold ${anomaly.threshold}×)`;
}

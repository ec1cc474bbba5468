import type { CircuitState } from "@gatehouse/core";
import { db } from "../infra/client";
import { SnapshotCache } from "../infra/snapshot-cache";

/**
 * A short-lived, per-process copy of the agent row every decision reads, so the hot path makes no
 * query of its own. It is dropped by `agent.changed` signals and expires after SNAPSHOT_TTL_MS.
 * Halting does not depend on it: the decision's commit re-reads the agent's status under the org's
 * log lock (decisions/group-commit.ts).
 */
export const SNAPSHOT_TTL_MS = 1_000;

export interface AgentSnapshot {
  id: string;
  orgId: string;
  name: string;
  labels: Record<string, string>;
  status: "active" | "halted";
  circuitState: CircuitState;
  circuitOpenedAt: Date | null;
  createdByMembershipId: string | null;
}

const agents = new SnapshotCache<AgentSnapshot | null>({
  ttlMs: SNAPSHOT_TTL_MS,
  keyOf: (signal) => (signal.type === "agent.changed" ? signal.agentId : null),
});

export function forgetAgent(agentId: string): void {
  agents.forget(agentId);
}

export async function agentSnapshot(orgId: string, agentId: string, now = Date.now()): Promise<AgentSnapshot | null> {
  const value = await agents.get(agentId, now, async () => {
    const row = await db().agent.findUnique({ where: { id: agentId } });
    return row
      ? {
          id: row.id,
          orgId: row.orgId,
          name: row.name,
          labels: row.labels as Record<string, string>,
          status: row.status,
          circuitState: row.circuitState,
          circuitOpenedAt: row.circuitOpenedAt,
          createdByMembershipId: row.createdByMembershipId,
        }
      : null;
  });
  // Agent ids are global; the org check keeps an id from another org from ever answering here.
  return value?.orgId === orgId ? value : null;
}

import type { Agent } from "@gatehouse/contracts";
import type { db } from "../infra/client";

/** An agent as the API answers it (its contract). */
export type AgentView = Agent;

type AgentRow = Awaited<ReturnType<ReturnType<typeof db>["agent"]["findFirstOrThrow"]>>;

export function agentView(row: AgentRow): AgentView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    labels: row.labels as Record<string, string>,
    status: row.status,
    haltedAt: row.haltedAt?.toISOString() ?? null,
    haltedReason: row.haltedReason,
    cbState: row.circuitState,
    createdAt: row.createdAt.toISOString(),
  };
}

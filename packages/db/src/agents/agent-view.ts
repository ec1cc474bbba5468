import type { db } from "../infra/client";

export interface AgentView {
  id: string;
  name: string;
  description: string | null;
  labels: Record<string, string>;
  status: "active" | "halted";
  haltedAt: string | null;
  haltedReason: string | null;
  cbState: "closed" | "open" | "half_open";
  createdAt: string;
}

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

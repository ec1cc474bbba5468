import type { Agent } from "@gatehouse/contracts";
import { presenceOf } from "@gatehouse/core";
import type { db } from "../infra/client";

/** An agent as the API answers it (its contract). */
export type AgentView = Agent;

type AgentRow = Awaited<ReturnType<ReturnType<typeof db>["agent"]["findFirstOrThrow"]>>;

/** What to read with an agent for its view: the member who halted it (their email while they are a member). */
export const AGENT_VIEW_INCLUDE = { haltedBy: { select: { removedAt: true, user: { select: { email: true } } } } } as const;

type HaltedBy = { removedAt: Date | null; user: { email: string } } | null;

export function agentView(row: AgentRow & { haltedBy?: HaltedBy }, now = Date.now()): AgentView {
  const haltedByEmail = row.haltedBy && !row.haltedBy.removedAt ? row.haltedBy.user.email : null;
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    labels: row.labels as Record<string, string>,
    status: row.status,
    haltedAt: row.haltedAt?.toISOString() ?? null,
    haltedReason: row.haltedReason,
    haltedBy:
      row.status !== "halted"
        ? null
        : row.haltedByMembershipId
          ? { type: "member", memberId: row.haltedByMembershipId, email: haltedByEmail }
          : row.haltedBySystem
            ? { type: "system", name: row.haltedBySystem }
            : null,
    cbState: row.circuitState,
    presence: presenceOf({ halted: row.status === "halted", lastSeenAt: row.lastSeenAt, heartbeatSeconds: row.heartbeatSeconds, heartbeatOpen: row.heartbeatOpen }, now),
    lastSeenAt: row.lastSeenAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

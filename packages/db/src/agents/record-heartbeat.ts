import { heartbeatBodySchema, type Heartbeat } from "@gatehouse/contracts";
import { DEFAULT_HEARTBEAT_SECONDS, liveForMs, notFound, presenceOf, validationError, zodIssues } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requireAgent } from "../actors/require-permission";
import { db } from "../infra/client";

/**
 * `POST /v1/heartbeat` (docs/agents.md, Presence): the calling agent is there. `running` (the default)
 * opens or keeps its heartbeat session with its interval, so missing three beats reads as
 * unresponsive; `stopped` closes it (the client is done: the agent goes idle, not unresponsive).
 * One write, which also clears an unresponsive mark.
 */
export async function recordHeartbeat({ ctx, input, now = Date.now() }: { ctx: Ctx; input: unknown; now?: number }): Promise<Heartbeat> {
  const actor = requireAgent(ctx);
  const parsed = heartbeatBodySchema.safeParse(input ?? {});
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  const { intervalSeconds = DEFAULT_HEARTBEAT_SECONDS, state } = parsed.data;
  const open = state !== "stopped";
  const { rows } = await db().pool.query<{ status: string; last_seen_at: Date }>(
    `UPDATE agents SET last_seen_at = GREATEST(COALESCE(last_seen_at, $3), $3), heartbeat_seconds = $4, heartbeat_open = $5, unresponsive_since = NULL
     WHERE id = $1 AND org_id = $2 RETURNING status, last_seen_at`,
    [actor.agentId, ctx.org.id, new Date(now), intervalSeconds, open],
  );
  const row = rows[0];
  if (!row) throw notFound("agent");
  const facts = { halted: row.status === "halted", lastSeenAt: row.last_seen_at, heartbeatSeconds: intervalSeconds, heartbeatOpen: open };
  return {
    agentId: actor.agentId,
    presence: presenceOf(facts, now),
    lastSeenAt: row.last_seen_at.toISOString(),
    session: open ? "open" : "closed",
    nextHeartbeatSeconds: intervalSeconds,
    liveUntil: new Date(row.last_seen_at.getTime() + liveForMs(facts)).toISOString(),
  };
}

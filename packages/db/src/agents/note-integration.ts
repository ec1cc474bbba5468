import { parseIntegrationHeader, type IntegrationName } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { db } from "../infra/client";

/** Each process writes an (agent, integration, kind of call) at most this often. */
const NOTE_INTERVAL_MS = 60_000;
/** Past this many remembered keys the memory starts over (a burst of agents costs a write each, never unbounded memory). */
const MAX_REMEMBERED = 50_000;
const noted = new Map<string, number>();

/** The integration an agent's request came through: its `x-gatehouse-integration` header, else `sdk` or `python` when one of the SDKs sent it (`x-gatehouse-sdk`). */
export function integrationOf(headers: Record<string, string | string[] | undefined>): { name: IntegrationName; version: string | null } | null {
  const named = parseIntegrationHeader(headers["x-gatehouse-integration"]);
  if (named) return named;
  // The TypeScript SDK sends its bare version; the Python SDK sends `python/<version>`.
  const sdk = headers["x-gatehouse-sdk"];
  if (typeof sdk !== "string") return null;
  return sdk.startsWith("python/") ? parseIntegrationHeader(sdk) : parseIntegrationHeader(`sdk/${sdk}`);
}

/**
 * Records that an agent's call came through an integration (and, for `toolCall`, that it was a
 * governed tool call), for the agents page and posture. Observation: it never delays or fails the
 * call — the write is not awaited and a failure is dropped — and each process writes a given agent
 * and integration at most once a minute.
 */
export function noteIntegration(ctx: Ctx, toolCall: boolean, now = Date.now()): void {
  const { actor, integration } = ctx;
  if (actor.type !== "agent" || !integration) return;
  const key = `${actor.agentId}\u0000${integration.name}\u0000${toolCall ? 1 : 0}`;
  const last = noted.get(key);
  if (last !== undefined && now - last < NOTE_INTERVAL_MS) return;
  if (noted.size >= MAX_REMEMBERED) noted.clear();
  noted.set(key, now);
  db()
    .pool.query(
      `INSERT INTO agent_integrations (org_id, agent_id, integration, version, last_tool_call_at)
       VALUES ($1, $2, $3, $4, CASE WHEN $5::boolean THEN clock_timestamp() END)
       ON CONFLICT (agent_id, integration) DO UPDATE SET last_seen_at = clock_timestamp(), version = EXCLUDED.version,
         last_tool_call_at = COALESCE(EXCLUDED.last_tool_call_at, agent_integrations.last_tool_call_at)`,
      [ctx.org.id, actor.agentId, integration.name, integration.version, toolCall],
    )
    .catch(() => noted.delete(key));
}

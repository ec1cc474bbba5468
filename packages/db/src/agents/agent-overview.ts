import { INTEGRATION_WINDOW_DAYS, INTEGRATIONS, notFound, toolCallsUngoverned, type IntegrationName } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { readDb } from "../infra/replica";
import { callTallies, coverageSince, noCalls, type CallTallies } from "../posture/get-coverage";
import { flushCallCoverage } from "../posture/note-calls";
import { AGENT_VIEW_INCLUDE, agentView, type AgentView } from "./agent-view";

/** An agent as the console lists it: its contract view with its live keys, last activity and creator. */
export interface AgentOverview extends AgentView {
  /** Keys neither revoked nor expired. */
  keyCount: number;
  /** Its latest decision, else the latest use of one of its keys; null when it never called. */
  lastActivityAt: string | null;
  createdBy: { name: string; email: string } | null;
  /** The integrations its calls came through in the last INTEGRATION_WINDOW_DAYS days, most recent first. */
  integrations: Array<{ name: string; label: string; version: string | null; lastSeenAt: string; lastToolCallAt: string | null }>;
  /** It used a model-calling framework in that window, but no governed tool call came from it (toolCallsUngoverned). */
  toolCallsUngoverned: boolean;
  /** Its model calls through a wrapper or declared by hand, its tool calls through an adapter or by hand, over GET /v1/coverage's window. */
  calls: CallTallies & { since: string };
}

async function overviews(ctx: Ctx, agentId?: string): Promise<AgentOverview[]> {
  const client = readDb(); // one server for the page: the replica or the primary, not both
  const now = new Date();
  const rows = await client.agent.findMany({
    where: { orgId: ctx.org.id, ...(agentId ? { id: agentId } : {}) },
    orderBy: { name: "asc" },
    include: {
      createdBy: { select: { user: { select: { name: true, email: true } } } },
      ...AGENT_VIEW_INCLUDE,
      apiKeys: { select: { revokedAt: true, expiresAt: true, lastUsedAt: true } },
    },
  });
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const since = new Date(now.getTime() - INTEGRATION_WINDOW_DAYS * 86_400_000);
  await flushCallCoverage();
  const callsSince = coverageSince(now);
  const [latest, used, tallies] = await Promise.all([
    client.action.groupBy({ by: ["agentId"], where: { orgId: ctx.org.id, agentId: { in: ids } }, _max: { createdAt: true } }),
    client.agentIntegration.findMany({ where: { orgId: ctx.org.id, agentId: { in: ids }, lastSeenAt: { gte: since } }, orderBy: { lastSeenAt: "desc" } }),
    callTallies(client, ctx.org.id, callsSince, ids),
  ]);
  const lastDecision = new Map(latest.map((l) => [l.agentId, l._max.createdAt]));
  const integrationsOf = new Map<string, typeof used>();
  for (const u of used) integrationsOf.set(u.agentId, [...(integrationsOf.get(u.agentId) ?? []), u]);
  return rows.map((row) => {
    const lastKeyUse = row.apiKeys.reduce<Date | null>((max, k) => (k.lastUsedAt && (!max || k.lastUsedAt > max) ? k.lastUsedAt : max), null);
    const last = lastDecision.get(row.id) ?? lastKeyUse;
    return {
      ...agentView(row, now.getTime()),
      keyCount: row.apiKeys.filter((k) => !k.revokedAt && (!k.expiresAt || k.expiresAt > now)).length,
      lastActivityAt: last?.toISOString() ?? null,
      createdBy: row.createdBy ? { name: row.createdBy.user.name, email: row.createdBy.user.email } : null,
      integrations: (integrationsOf.get(row.id) ?? []).map((u) => ({
        name: u.integration,
        label: Object.hasOwn(INTEGRATIONS, u.integration) ? INTEGRATIONS[u.integration as IntegrationName].label : u.integration,
        version: u.version,
        lastSeenAt: u.lastSeenAt.toISOString(),
        lastToolCallAt: u.lastToolCallAt?.toISOString() ?? null,
      })),
      toolCallsUngoverned: toolCallsUngoverned(
        (integrationsOf.get(row.id) ?? []).map((u) => ({ name: u.integration, lastSeenAt: u.lastSeenAt, lastToolCallAt: u.lastToolCallAt })),
        now,
      ),
      calls: { ...(tallies.get(row.id) ?? noCalls()), since: callsSince.toISOString() },
    };
  });
}

/** The org's agents by name, for the console's list. Any member may list them. */
export async function listAgentOverviews({ ctx }: { ctx: Ctx }): Promise<AgentOverview[]> {
  requirePermission(ctx, "agents.read");
  return overviews(ctx);
}

/** One agent of the org (another org's id is 404). Any member may read it. */
export async function getAgentOverview({ ctx, input }: { ctx: Ctx; input: { agentId: string } }): Promise<AgentOverview> {
  requirePermission(ctx, "agents.read");
  const [found] = await overviews(ctx, input.agentId);
  if (!found) throw notFound("agent");
  return found;
}

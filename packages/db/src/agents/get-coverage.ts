import { COVERAGE_WINDOW_DAYS, INTEGRATIONS, type CoverageKind, type IntegrationName } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { db } from "../infra/client";
import { flushCallCoverage } from "./note-calls";

interface Tally {
  count: number;
  lastSeenAt: string | null;
}

/** How one agent's calls reach Gatehouse (the contract's AgentCoverage). */
export interface AgentCoverage {
  agentId: string;
  agentName: string;
  integrations: Array<{ name: IntegrationName; label: string; role: "client" | "adapter" | "model-wrapper"; version: string | null; lastSeenAt: string }>;
  modelCalls: { wrapped: Tally; declared: Tally };
  toolCalls: { adapter: Tally; direct: Tally };
  bypassesWrappers: boolean;
}

export interface Coverage {
  windowDays: typeof COVERAGE_WINDOW_DAYS;
  since: string;
  agents: AgentCoverage[];
}

/** The window's start: midnight UTC, COVERAGE_WINDOW_DAYS − 1 days before `now`'s day. */
export function coverageSince(now: Date): Date {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return new Date(today - (COVERAGE_WINDOW_DAYS - 1) * 86_400_000);
}

/**
 * Per agent of the org, over the last COVERAGE_WINDOW_DAYS UTC days: the integrations seen, model
 * calls through a wrapper against spend declared by hand, tool calls through an adapter against by
 * hand (docs/agents.md, Coverage). Members with `agents.read`; an agent's key is refused.
 */
export async function getCoverage({ ctx, now = new Date() }: { ctx: Ctx; now?: Date }): Promise<Coverage> {
  requirePermission(ctx, "agents.read");
  // This process's own counts first, so what it just decided is in the answer.
  await flushCallCoverage();
  const since = coverageSince(now);
  const { pool } = db();
  const [agents, integrations, calls] = await Promise.all([
    pool.query<{ id: string; name: string }>(`SELECT id, name FROM agents WHERE org_id = $1 ORDER BY name`, [ctx.org.id]),
    pool.query<{ agent_id: string; integration: string; version: string | null; last_seen_at: Date }>(
      `SELECT agent_id, integration, version, last_seen_at FROM agent_integrations WHERE org_id = $1 AND last_seen_at >= $2 ORDER BY last_seen_at DESC`,
      [ctx.org.id, since],
    ),
    pool.query<{ agent_id: string; kind: CoverageKind; count: string; last_seen_at: Date }>(
      `SELECT agent_id, kind, sum(count) AS count, max(last_seen_at) AS last_seen_at FROM agent_call_coverage WHERE org_id = $1 AND day >= $2 GROUP BY agent_id, kind`,
      [ctx.org.id, since],
    ),
  ]);
  const seen = new Map<string, AgentCoverage["integrations"]>();
  for (const row of integrations.rows) {
    if (!Object.hasOwn(INTEGRATIONS, row.integration)) continue;
    const name = row.integration as IntegrationName;
    const list = seen.get(row.agent_id) ?? [];
    list.push({ name, label: INTEGRATIONS[name].label, role: INTEGRATIONS[name].role, version: row.version, lastSeenAt: row.last_seen_at.toISOString() });
    seen.set(row.agent_id, list);
  }
  const counted = new Map<string, Tally>(calls.rows.map((r) => [`${r.agent_id}\u0000${r.kind}`, { count: Number(r.count), lastSeenAt: r.last_seen_at.toISOString() }]));
  const tally = (agentId: string, kind: CoverageKind): Tally => counted.get(`${agentId}\u0000${kind}`) ?? { count: 0, lastSeenAt: null };
  return {
    windowDays: COVERAGE_WINDOW_DAYS,
    since: since.toISOString(),
    agents: agents.rows.map((agent) => {
      const declared = tally(agent.id, "model.declared");
      return {
        agentId: agent.id,
        agentName: agent.name,
        integrations: seen.get(agent.id) ?? [],
        modelCalls: { wrapped: tally(agent.id, "model.wrapped"), declared },
        toolCalls: { adapter: tally(agent.id, "tool.adapter"), direct: tally(agent.id, "tool.direct") },
        bypassesWrappers: declared.count > 0,
      };
    }),
  };
}

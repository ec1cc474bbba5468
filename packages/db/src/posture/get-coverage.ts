import { COVERAGE_WINDOW_DAYS, INTEGRATIONS, type CoverageKind, type IntegrationName } from "@gatehouse/core";
import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { db, type Db } from "../infra/client";
import { flushCallCoverage } from "./note-calls";

interface Tally {
  count: number;
  lastSeenAt: string | null;
}

/** How one agent's calls reach Gatehouse (the contract's AgentCoverage). */
export interface AgentCoverage extends CallTallies {
  agentId: string;
  agentName: string;
  integrations: Array<{ name: IntegrationName; label: string; role: "client" | "adapter" | "model-wrapper"; version: string | null; lastSeenAt: string }>;
  bypassesWrappers: boolean;
}

export interface Coverage {
  windowDays: typeof COVERAGE_WINDOW_DAYS;
  since: string;
  agents: AgentCoverage[];
}

/** Model and tool calls by kind (the contract's AgentCoverage's `modelCalls` and `toolCalls`). */
export interface CallTallies {
  modelCalls: { wrapped: Tally; declared: Tally };
  toolCalls: { adapter: Tally; direct: Tally };
}

/** Each agent's call tallies since `since`, from agent_call_coverage (agents with none are absent). */
export async function callTallies(client: Db, orgId: string, since: Date, agentIds?: string[]): Promise<Map<string, CallTallies>> {
  const { rows } = await client.pool.query<{ agent_id: string; kind: CoverageKind; count: string; last_seen_at: Date }>(
    `SELECT agent_id, kind, sum(count) AS count, max(last_seen_at) AS last_seen_at FROM agent_call_coverage
     WHERE org_id = $1 AND day >= $2 AND ($3::text[] IS NULL OR agent_id = ANY($3)) GROUP BY agent_id, kind`,
    [orgId, since, agentIds ?? null],
  );
  const tallies = new Map<string, CallTallies>();
  for (const row of rows) {
    const agent = tallies.get(row.agent_id) ?? noCalls();
    const tally = { count: Number(row.count), lastSeenAt: row.last_seen_at.toISOString() };
    if (row.kind === "model.wrapped") agent.modelCalls.wrapped = tally;
    else if (row.kind === "model.declared") agent.modelCalls.declared = tally;
    else if (row.kind === "tool.adapter") agent.toolCalls.adapter = tally;
    else agent.toolCalls.direct = tally;
    tallies.set(row.agent_id, agent);
  }
  return tallies;
}

/** An agent with no call counted. */
export function noCalls(): CallTallies {
  const none = (): Tally => ({ count: 0, lastSeenAt: null });
  return { modelCalls: { wrapped: none(), declared: none() }, toolCalls: { adapter: none(), direct: none() } };
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
  const [agents, integrations, tallies] = await Promise.all([
    pool.query<{ id: string; name: string }>(`SELECT id, name FROM agents WHERE org_id = $1 ORDER BY name`, [ctx.org.id]),
    pool.query<{ agent_id: string; integration: string; version: string | null; last_seen_at: Date }>(
      `SELECT agent_id, integration, version, last_seen_at FROM agent_integrations WHERE org_id = $1 AND last_seen_at >= $2 ORDER BY last_seen_at DESC`,
      [ctx.org.id, since],
    ),
    callTallies(db(), ctx.org.id, since),
  ]);
  const seen = new Map<string, AgentCoverage["integrations"]>();
  for (const row of integrations.rows) {
    if (!Object.hasOwn(INTEGRATIONS, row.integration)) continue;
    const name = row.integration as IntegrationName;
    const list = seen.get(row.agent_id) ?? [];
    list.push({ name, label: INTEGRATIONS[name].label, role: INTEGRATIONS[name].role, version: row.version, lastSeenAt: row.last_seen_at.toISOString() });
    seen.set(row.agent_id, list);
  }
  return {
    windowDays: COVERAGE_WINDOW_DAYS,
    since: since.toISOString(),
    agents: agents.rows.map((agent) => {
      const calls = tallies.get(agent.id) ?? noCalls();
      return { agentId: agent.id, agentName: agent.name, integrations: seen.get(agent.id) ?? [], ...calls, bypassesWrappers: calls.modelCalls.declared.count > 0 };
    }),
  };
}

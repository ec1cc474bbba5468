import type { Ctx } from "../actors/context";
import { requirePermission } from "../actors/require-permission";
import { readDb } from "../infra/replica";
import { AGENT_VIEW_INCLUDE, agentView, type AgentView } from "./agent-view";

/** The org's agents by name. Any member may list them. */
export async function listAgents({ ctx }: { ctx: Ctx }): Promise<AgentView[]> {
  requirePermission(ctx, "agents.read");
  const rows = await readDb().agent.findMany({ where: { orgId: ctx.org.id }, orderBy: { name: "asc" }, include: AGENT_VIEW_INCLUDE });
  const now = Date.now();
  return rows.map((row) => agentView(row, now));
}

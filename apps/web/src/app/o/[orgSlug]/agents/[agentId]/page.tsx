import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { getAgentChain, getAgentOverview, hasPermission, isDomainError } from "@gatehouse/db";
import { idOf } from "@gatehouse/contracts";
import type { AgentOverview } from "@/lib/agents";
import { getOrgContextOrNotFound } from "@/server/org";
import { requireSessionUser } from "@/server/session";
import { AgentDetail } from "./agent-detail";
import { pageReads } from "@/server/reads";

export const metadata: Metadata = { title: "Agent" };

type Params = Promise<{ orgSlug: string; agentId: string }>;

export default async function AgentPage({ params }: { params: Params }) {
  const { orgSlug, agentId } = await params;
  const user = await requireSessionUser();
  const ctx = await getOrgContextOrNotFound(user.id, orgSlug);
  if (!idOf("agent").safeParse(agentId).success) notFound();
  let agent: AgentOverview;
  try {
    agent = await pageReads(() => getAgentOverview({ ctx, input: { agentId } }));
  } catch (error) {
    // Another org's agent, or none: the same 404.
    if (isDomainError(error) && error.code === "NOT_FOUND") notFound();
    throw error;
  }
  const chain = await getAgentChain({ ctx, input: { agentId } });
  const role = ctx.actor.type === "user" ? ctx.actor.role : null;
  const can = (permission: Parameters<typeof hasPermission>[1]) => role !== null && hasPermission(role, permission);
  return (
    <AgentDetail
      orgSlug={orgSlug}
      initial={agent}
      canManage={can("agents.manage")}
      canManageKeys={can("keys.manage")}
      readsApprovals={can("approvals.read")}
      canRevokeDelegations={can("delegations.revoke")}
      chain={chain}
    />
  );
}

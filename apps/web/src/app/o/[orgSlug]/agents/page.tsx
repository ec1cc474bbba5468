import type { Metadata } from "next";
import { hasPermission, listAgentOverviews } from "@gatehouse/db";
import { env } from "@/env";
import { DEFAULT_API_URL, type AgentList } from "@/lib/agents";
import { getOrgContextOrNotFound } from "@/server/org";
import { requireSessionUser } from "@/server/session";
import { AgentsList } from "./agents-list";
import { pageReads } from "@/server/reads";

export const metadata: Metadata = { title: "Agents" };

type Params = Promise<{ orgSlug: string }>;

export default async function AgentsPage({ params }: { params: Params }) {
  const { orgSlug } = await params;
  const user = await requireSessionUser();
  const ctx = await getOrgContextOrNotFound(user.id, orgSlug);
  const role = ctx.actor.type === "user" ? ctx.actor.role : null;
  const initial: AgentList = { agents: await pageReads(() => listAgentOverviews({ ctx })) };
  return <AgentsList orgSlug={orgSlug} initial={initial} canManage={role !== null && hasPermission(role, "agents.manage")} apiUrl={env().API_URL ?? DEFAULT_API_URL} />;
}

import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { hasPermission, listAgentOverviews, listBudgets, listPrices } from "@gatehouse/db";
import type { AgentList } from "@/lib/agents";
import type { BudgetList } from "@/lib/spend";
import { getOrgContextOrNotFound } from "@/server/org";
import { requireSessionUser } from "@/server/session";
import { SpendView } from "./spend-view";

export const metadata: Metadata = { title: "Spend" };

type Params = Promise<{ orgSlug: string }>;

/** Model spend (docs/budgets.md): the budgets' counts, which agents call models through a wrapped client, and the prices. */
export default async function SpendPage({ params }: { params: Params }) {
  const { orgSlug } = await params;
  const user = await requireSessionUser();
  const ctx = await getOrgContextOrNotFound(user.id, orgSlug);
  if (ctx.actor.type !== "user" || !hasPermission(ctx.actor.role, "posture.read")) notFound();
  const [budgets, prices, agents] = await Promise.all([
    listBudgets({ ctx, input: {} }) as Promise<BudgetList>,
    listPrices({ ctx }),
    hasPermission(ctx.actor.role, "agents.read") ? listAgentOverviews({ ctx }) : Promise.resolve(null),
  ]);
  const initialAgents: AgentList | null = agents ? { agents } : null;
  return (
    <SpendView
      orgSlug={orgSlug}
      initialBudgets={budgets}
      prices={prices}
      initialAgents={initialAgents}
      canWriteSettings={hasPermission(ctx.actor.role, "settings.write")}
      renderedAt={Date.now()}
    />
  );
}

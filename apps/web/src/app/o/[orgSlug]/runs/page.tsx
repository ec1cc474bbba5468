import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { hasPermission, listRuns } from "@gatehouse/db";
import { RUN_PAGE_SIZE, type RunPage } from "@/lib/runs";
import { getOrgContextOrNotFound } from "@/server/org";
import { requireSessionUser } from "@/server/session";
import { RunsList } from "./runs-list";

export const metadata: Metadata = { title: "Runs" };

type Params = Promise<{ orgSlug: string }>;

export default async function RunsPage({ params }: { params: Params }) {
  const { orgSlug } = await params;
  const user = await requireSessionUser();
  const ctx = await getOrgContextOrNotFound(user.id, orgSlug);
  if (ctx.actor.type !== "user" || !hasPermission(ctx.actor.role, "agents.read")) notFound();
  const initial: RunPage = await listRuns({ ctx, input: { limit: RUN_PAGE_SIZE } });
  return <RunsList orgSlug={orgSlug} initial={initial} />;
}

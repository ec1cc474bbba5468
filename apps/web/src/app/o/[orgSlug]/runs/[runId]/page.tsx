import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { getRun, hasPermission, isDomainError } from "@gatehouse/db";
import { idOf } from "@gatehouse/contracts";
import type { RunDetail } from "@/lib/runs";
import { getOrgContextOrNotFound } from "@/server/org";
import { requireSessionUser } from "@/server/session";
import { RunTimeline } from "./run-timeline";

export const metadata: Metadata = { title: "Run" };

type Params = Promise<{ orgSlug: string; runId: string }>;

export default async function RunPage({ params }: { params: Params }) {
  const { orgSlug, runId } = await params;
  const user = await requireSessionUser();
  const ctx = await getOrgContextOrNotFound(user.id, orgSlug);
  if (ctx.actor.type !== "user" || !hasPermission(ctx.actor.role, "agents.read")) notFound();
  if (!idOf("run").safeParse(runId).success) notFound();
  let detail: RunDetail;
  try {
    detail = await getRun({ ctx, input: { id: runId } });
  } catch (error) {
    // Another org's run, or none: the same 404.
    if (isDomainError(error) && error.code === "NOT_FOUND") notFound();
    throw error;
  }
  return <RunTimeline orgSlug={orgSlug} initial={detail} />;
}

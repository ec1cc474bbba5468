import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { hasPermission, listWebhooks, WEBHOOK_EVENT_TYPES } from "@gatehouse/db";
import { getOrgContextOrNotFound } from "@/server/org";
import { requireSessionUser } from "@/server/session";
import { IntegrationsView } from "./integrations-view";

export const metadata: Metadata = { title: "Integrations" };

type Params = Promise<{ orgSlug: string }>;

/** Where the org's events go (docs/webhooks.md): webhook endpoints, their delivery logs, test sends and redeliveries. */
export default async function IntegrationsPage({ params }: { params: Params }) {
  const { orgSlug } = await params;
  const user = await requireSessionUser();
  const ctx = await getOrgContextOrNotFound(user.id, orgSlug);
  if (ctx.actor.type !== "user" || !hasPermission(ctx.actor.role, "integrations.manage")) notFound();
  return <IntegrationsView orgSlug={orgSlug} initial={await listWebhooks({ ctx })} eventTypes={[...WEBHOOK_EVENT_TYPES]} />;
}

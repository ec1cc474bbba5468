import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { approvalMailSettings, getSlackConnection, hasPermission, listWebhooks, WEBHOOK_EVENT_TYPES } from "@gatehouse/db";
import { env } from "@/env";
import { DEFAULT_API_URL } from "@/lib/agents";
import { getOrgContextOrNotFound } from "@/server/org";
import { requireSessionUser } from "@/server/session";
import { IntegrationsView } from "./integrations-view";

export const metadata: Metadata = { title: "Integrations" };

type Params = Promise<{ orgSlug: string }>;

/** Where the org's events and approvals go: its Slack app (docs/approvals.md) and webhook endpoints with their delivery logs (docs/webhooks.md). */
export default async function IntegrationsPage({ params }: { params: Params }) {
  const { orgSlug } = await params;
  const user = await requireSessionUser();
  const ctx = await getOrgContextOrNotFound(user.id, orgSlug);
  if (ctx.actor.type !== "user" || !hasPermission(ctx.actor.role, "integrations.manage")) notFound();
  const [webhooks, slack] = await Promise.all([listWebhooks({ ctx }), getSlackConnection({ ctx })]);
  return (
    <IntegrationsView
      orgSlug={orgSlug}
      initial={webhooks}
      initialSlack={slack}
      mail={approvalMailSettings()}
      apiUrl={env().API_URL ?? DEFAULT_API_URL}
      eventTypes={[...WEBHOOK_EVENT_TYPES]}
    />
  );
}

import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { hasPermission, listAdminKeys } from "@gatehouse/db";
import { env } from "@/env";
import { DEFAULT_API_URL, type AdminKeyList } from "@/lib/agents";
import { getOrgContextOrNotFound } from "@/server/org";
import { requireSessionUser } from "@/server/session";
import { AdminKeys } from "./admin-keys";
import { pageReads } from "@/server/reads";

export const metadata: Metadata = { title: "Admin keys" };

type Params = Promise<{ orgSlug: string }>;

export default async function KeysPage({ params }: { params: Params }) {
  const { orgSlug } = await params;
  const user = await requireSessionUser();
  const ctx = await getOrgContextOrNotFound(user.id, orgSlug);
  // Without keys.own the page does not render, whatever the link: the agents list does.
  if (ctx.actor.type !== "user" || !hasPermission(ctx.actor.role, "keys.own")) redirect(`/o/${encodeURIComponent(orgSlug)}/agents`);
  const initial: AdminKeyList = { keys: await pageReads(() => listAdminKeys({ ctx })) };
  return <AdminKeys orgSlug={orgSlug} initial={initial} apiUrl={env().API_URL ?? DEFAULT_API_URL} />;
}

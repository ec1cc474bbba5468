import type { Metadata } from "next";
import { getOrgSettings, hasPermission } from "@gatehouse/db";
import { getOrgContextOrNotFound } from "@/server/org";
import { requireSessionUser } from "@/server/session";
import { PoliciesList } from "./policies-list";

export const metadata: Metadata = { title: "Policies" };

type Params = Promise<{ orgSlug: string }>;

export default async function PoliciesPage({ params }: { params: Params }) {
  const { orgSlug } = await params;
  const user = await requireSessionUser();
  const ctx = await getOrgContextOrNotFound(user.id, orgSlug);
  const role = ctx.actor.type === "user" ? ctx.actor.role : null;
  const settings = await getOrgSettings({ ctx });
  return <PoliciesList orgSlug={orgSlug} canEdit={role !== null && hasPermission(role, "policies.write")} reportOnly={settings.policies.reportOnly} />;
}

import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { canActOnRole, ROLE_RANKING, TOP_ROLE } from "@gatehouse/core";
import { hasPermission, listInvitations, listMembers } from "@gatehouse/db";
import { getOrgContextOrNotFound } from "@/server/org";
import { requireSessionUser } from "@/server/session";
import { MembersPanel } from "./members-panel";
import { pageReads } from "@/server/reads";

export const metadata: Metadata = { title: "Members" };

type Params = Promise<{ orgSlug: string }>;

export default async function MembersPage({ params }: { params: Params }) {
  const { orgSlug } = await params;
  const user = await requireSessionUser();
  const ctx = await getOrgContextOrNotFound(user.id, orgSlug);
  if (ctx.actor.type !== "user") redirect(`/o/${encodeURIComponent(orgSlug)}/audit`);
  const { role, membershipId } = ctx.actor;
  const canRead = hasPermission(role, "members.read");
  const canManage = hasPermission(role, "members.manage");
  // Without members.read the page offers what every member may do: leave.
  const [members, invitations] = canRead ? await pageReads(() => Promise.all([listMembers({ ctx }), listInvitations({ ctx })])) : [null, null];
  return (
    <MembersPanel
      orgSlug={orgSlug}
      orgName={ctx.org.name}
      me={{ membershipId, role }}
      canRead={canRead}
      canManage={canManage}
      ranking={ROLE_RANKING}
      assignable={ROLE_RANKING.filter((r) => canActOnRole(role, r))}
      topRole={TOP_ROLE}
      initialMembers={members}
      initialInvitations={invitations}
    />
  );
}

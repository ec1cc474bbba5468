import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { hasPermission, listAgents, listApprovals } from "@gatehouse/db";
import { idOf } from "@gatehouse/contracts";
import { APPROVAL_PAGE_SIZE, type ApprovalPage } from "@/lib/approvals";
import { getOrgContextOrNotFound } from "@/server/org";
import { requireSessionUser } from "@/server/session";
import { ApprovalsInbox } from "./approvals-inbox";
import { GrantsPanel } from "./grants";

export const metadata: Metadata = { title: "Approvals" };

type Params = Promise<{ orgSlug: string }>;
type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function ApprovalsPage({ params, searchParams }: { params: Params; searchParams: SearchParams }) {
  const { orgSlug } = await params;
  const user = await requireSessionUser();
  const ctx = await getOrgContextOrNotFound(user.id, orgSlug);

  // Without `approvals.read` (auditors) the queue does not render, whatever the link: the audit log does.
  if (ctx.actor.type !== "user" || !hasPermission(ctx.actor.role, "approvals.read")) {
    redirect(`/o/${encodeURIComponent(orgSlug)}/audit`);
  }

  // The first page of the default view (pending, unfiltered) comes with the HTML; the rest is fetched
  // by the browser and kept fresh by the org's event stream.
  const [firstPage, agents] = await Promise.all([listApprovals({ ctx, input: { status: "pending", limit: APPROVAL_PAGE_SIZE } }), listAgents({ ctx })]);
  const initialPage: ApprovalPage = firstPage;

  // `?approval=apr_…` (the overview's pending approvals link here) opens that approval; a malformed one is ignored.
  const { approval } = await searchParams;
  const selected = idOf("approval").safeParse(approval);

  return (
    <>
      <ApprovalsInbox
        orgSlug={orgSlug}
        agents={agents.map(({ id, name }) => ({ id, name }))}
        initialPage={initialPage}
        renderedAt={Date.now()}
        initialSelectedId={selected.success ? selected.data : null}
      />
      <GrantsPanel orgSlug={orgSlug} />
    </>
  );
}

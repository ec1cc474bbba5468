import type { Metadata } from "next";
import { APPROVAL_READER_ROLES, listAgents, listApprovals } from "@gatehouse/db";
import { APPROVAL_PAGE_SIZE, type ApprovalPage } from "@/lib/approvals";
import { getOrgContextOrNotFound } from "@/server/org";
import { requireSessionUser } from "@/server/session";
import { ApprovalsInbox } from "./approvals-inbox";

export const metadata: Metadata = { title: "Approvals" };

type Params = Promise<{ orgSlug: string }>;

export default async function ApprovalsPage({ params }: { params: Params }) {
  const { orgSlug } = await params;
  const user = await requireSessionUser();
  const ctx = await getOrgContextOrNotFound(user.id, orgSlug);

  if (ctx.actor.type !== "user" || !APPROVAL_READER_ROLES.includes(ctx.actor.role)) {
    return (
      <section className="rounded-xl border border-stone-200 bg-white p-8 text-center">
        <h1 className="text-lg font-semibold">Approvals</h1>
        <p className="mt-2 text-sm text-stone-600">Your role in this organization can read the audit log, not the approval queue.</p>
      </section>
    );
  }

  // The first page of the default view (pending, unfiltered) comes with the HTML; the rest is fetched
  // by the browser and kept fresh by the org's event stream.
  const [firstPage, agents] = await Promise.all([
    listApprovals({ ctx, input: { status: "pending", limit: APPROVAL_PAGE_SIZE } }),
    listAgents({ ctx }),
  ]);
  const initialPage: ApprovalPage = firstPage;

  return (
    <ApprovalsInbox
      orgSlug={orgSlug}
      agents={agents.map(({ id, name }) => ({ id, name }))}
      initialPage={initialPage}
      renderedAt={Date.now()}
    />
  );
}

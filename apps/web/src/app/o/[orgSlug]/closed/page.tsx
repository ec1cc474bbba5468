import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { buttonClass } from "@/components/button";
import { formatDateTime } from "@/lib/format";
import { getMemberOrgs, getOrgContextOrNotFound } from "@/server/org";
import { requireSessionUser } from "@/server/session";

export const metadata: Metadata = { title: "Organization closed" };

type Params = Promise<{ orgSlug: string }>;

/** Where an owner lands after closing an org: what happened, what is kept, and the way to the log. */
export default async function ClosedOrgPage({ params }: { params: Params }) {
  const { orgSlug } = await params;
  const user = await requireSessionUser();
  await getOrgContextOrNotFound(user.id, orgSlug);
  const org = (await getMemberOrgs(user.id)).find((o) => o.slug === orgSlug);
  if (!org?.closedAt) notFound();
  const base = `/o/${encodeURIComponent(orgSlug)}`;
  return (
    <div className="max-w-2xl space-y-6">
      <h1 className="text-xl font-semibold">{org.name} is closed</h1>
      <div className="space-y-3 text-sm text-stone-700">
        <p>It was closed on {formatDateTime(org.closedAt)}. This cannot be undone.</p>
        <ul className="list-disc space-y-1 pl-5">
          <li>Its agent keys and admin keys no longer work.</li>
          <li>Its other members no longer see it; its pending approvals were cancelled.</li>
          <li>Nothing in it can be changed any more.</li>
          <li>Its audit log, signing keys and checkpoints are kept: as an owner you can still read, export and verify the log.</li>
        </ul>
      </div>
      <div className="flex flex-wrap gap-3">
        <Link href={`${base}/audit`} className={buttonClass({ variant: "primary" })}>
          Open the audit log
        </Link>
        <a href={`/api/orgs/${encodeURIComponent(orgSlug)}/audit/export?format=jsonl`} download className={buttonClass({ variant: "secondary" })}>
          Export the log (JSONL bundle)
        </a>
      </div>
    </div>
  );
}

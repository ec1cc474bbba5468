import type { Metadata } from "next";
import Link from "next/link";
import { hasPermission } from "@gatehouse/db";
import { EmptyBox } from "@/components/panel-states";
import { getOrgContextOrNotFound } from "@/server/org";
import { requireSessionUser } from "@/server/session";
import { DraftEditor } from "./draft-editor";

export const metadata: Metadata = { title: "Edit policies" };

type Params = Promise<{ orgSlug: string }>;

export default async function DraftPage({ params }: { params: Params }) {
  const { orgSlug } = await params;
  const user = await requireSessionUser();
  const ctx = await getOrgContextOrNotFound(user.id, orgSlug);
  const role = ctx.actor.type === "user" ? ctx.actor.role : null;
  if (role === null || !hasPermission(role, "policies.write")) {
    return (
      <EmptyBox title="Policies are read-only for you">
        Owners and admins edit them (the permission policies.write).{" "}
        <Link href={`/o/${encodeURIComponent(orgSlug)}/policies`} className="underline">
          Back to the policies
        </Link>
      </EmptyBox>
    );
  }
  return <DraftEditor orgSlug={orgSlug} />;
}

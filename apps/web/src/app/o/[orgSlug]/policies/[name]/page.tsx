import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { POLICY_NAME_PATTERN } from "@gatehouse/core";
import { getOrgContextOrNotFound } from "@/server/org";
import { requireSessionUser } from "@/server/session";
import { PolicyHistory } from "./policy-history";

type Params = Promise<{ orgSlug: string; name: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { name } = await params;
  return { title: `Policy ${name}` };
}

export default async function PolicyPage({ params }: { params: Params }) {
  const { orgSlug, name } = await params;
  const user = await requireSessionUser();
  await getOrgContextOrNotFound(user.id, orgSlug);
  if (!POLICY_NAME_PATTERN.test(name)) notFound();
  return <PolicyHistory orgSlug={orgSlug} name={name} />;
}

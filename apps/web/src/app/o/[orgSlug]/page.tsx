import { redirect } from "next/navigation";

export default async function OrgHome({ params }: { params: Promise<{ orgSlug: string }> }) {
  const { orgSlug } = await params;
  redirect(`/o/${encodeURIComponent(orgSlug)}/audit`);
}

import Link from "next/link";
import { listMemberOrgs, mayCreateOrg } from "@gatehouse/db";
import { AccountShell } from "@/components/account-shell";
import { requireSessionUser } from "@/server/session";
import { CreateOrgForm } from "./create-org-form";

/**
 * The page that creates an org, at /orgs/new (from the org switcher) and /signup/org (after sign-up).
 * Who may: `mayCreateOrg` (sign-up open: anyone; invite or off: members of an org of this instance).
 */
export async function CreateOrgPage() {
  const user = await requireSessionUser();
  const [orgs, allowed] = await Promise.all([listMemberOrgs({ userId: user.id }), mayCreateOrg(user.id)]);
  const first = orgs.length === 0;
  const title = first ? "Create your organization" : "New organization";
  const back = orgs[0] ? (
    <Link href={`/o/${encodeURIComponent(orgs[0].slug)}`} className="underline underline-offset-2 hover:text-stone-900">
      Back to {orgs[0].name}
    </Link>
  ) : null;
  if (!allowed) {
    return (
      <AccountShell title={title} footer={back}>
        <p className="text-sm text-stone-700">Organizations on this Gatehouse are created by its administrators. Ask one of them to add {user.email} to yours.</p>
      </AccountShell>
    );
  }
  return (
    <AccountShell title={title} intro={`You (${user.email}) will be its owner: you can invite the others afterwards.`} footer={back}>
      <CreateOrgForm />
    </AccountShell>
  );
}

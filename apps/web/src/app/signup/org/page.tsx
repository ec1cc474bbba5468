import type { Metadata } from "next";
import { signupMode } from "@gatehouse/db";
import { AccountShell } from "@/components/account-shell";
import { requireSessionUser } from "@/server/session";
import { CreateOrgForm } from "./create-org-form";

export const metadata: Metadata = { title: "Create your organization" };
export const dynamic = "force-dynamic";

export default async function CreateOrgPage() {
  const user = await requireSessionUser();
  if (signupMode() !== "open") {
    return (
      <AccountShell title="Create your organization">
        <p className="text-sm text-stone-700">Organizations on this Gatehouse are created by its administrators. Ask one of them to add {user.email} to yours.</p>
      </AccountShell>
    );
  }
  return (
    <AccountShell title="Create your organization" intro={`You (${user.email}) will be its owner: you can invite the others afterwards.`}>
      <CreateOrgForm />
    </AccountShell>
  );
}

import { redirect } from "next/navigation";
import { Logo } from "@/components/logo";
import { SignOutButton } from "@/components/sign-out-button";
import { getMemberOrgs } from "@/server/org";
import { requireSessionUser } from "@/server/session";

// Home: straight to the audit log of the first org the user belongs to.
export default async function HomePage() {
  const user = await requireSessionUser();
  const orgs = await getMemberOrgs(user.id);
  const first = orgs[0];
  if (first) redirect(`/o/${encodeURIComponent(first.slug)}/audit`);

  return (
    <main className="grid min-h-dvh place-items-center px-4">
      <div className="max-w-md text-center">
        <Logo className="text-lg" />
        <h1 className="mt-8 text-xl font-semibold">No organization yet</h1>
        <p className="mt-2 text-sm text-stone-600">{user.email} is not a member of any organization. Ask an owner or admin of your organization to add you.</p>
        <div className="mt-6 flex justify-center">
          <SignOutButton />
        </div>
      </div>
    </main>
  );
}

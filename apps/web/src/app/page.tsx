import Link from "next/link";
import { redirect } from "next/navigation";
import { signupMode } from "@gatehouse/db";
import { Logo } from "@/components/logo";
import { SignOutButton } from "@/components/sign-out-button";
import { getMemberOrgs } from "@/server/org";
import { requireSessionUser } from "@/server/session";

// Home: straight to the home (overview, or the onboarding checklist) of the first org the user belongs
// to (an open one before a closed one; a closed org's home sends on to its audit log).
export default async function HomePage() {
  const user = await requireSessionUser();
  const orgs = await getMemberOrgs(user.id);
  const first = orgs.find((org) => org.closedAt === null) ?? orgs[0];
  if (first) redirect(`/o/${encodeURIComponent(first.slug)}`);

  return (
    <main className="grid min-h-dvh place-items-center px-4">
      <div className="max-w-md text-center">
        <Logo className="text-lg" />
        <h1 className="mt-8 text-xl font-semibold">No organization yet</h1>
        <p className="mt-2 text-sm text-stone-600">
          {user.email} is not a member of any organization. {signupMode() === "open" ? "Create one, or ask" : "Ask"} an owner or admin of your organization to add you.
        </p>
        <div className="mt-6 flex items-center justify-center gap-3">
          {signupMode() === "open" ? (
            <Link href="/signup/org" className="rounded-md bg-stone-900 px-3 py-2 text-sm font-medium text-white hover:bg-stone-800">
              Create an organization
            </Link>
          ) : null}
          <Link href="/account" className="rounded-md px-2.5 py-1.5 text-sm text-stone-600 hover:bg-stone-100 hover:text-stone-900">
            Account
          </Link>
          <SignOutButton />
        </div>
      </div>
    </main>
  );
}

import type { Metadata } from "next";
import Link from "next/link";
import { Logo } from "@/components/logo";
import { SignOutButton } from "@/components/sign-out-button";
import { FormAlert } from "@/components/form-fields";
import { hasPermission } from "@gatehouse/db";
import { getMemberOrgs } from "@/server/org";
import { requireSessionUser } from "@/server/session";
import { HandoverSection } from "./handover-section";
import { ChangePasswordForm, EndAllSessionsForm } from "./account-forms";

export const metadata: Metadata = { title: "Your account" };
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function AccountPage({ searchParams }: { searchParams: SearchParams }) {
  const user = await requireSessionUser();
  const params = await searchParams;
  const changed = params.notice === "password-changed";
  // Out of office: the orgs where this member reads (and so may decide) approvals.
  const approving = (await getMemberOrgs(user.id)).filter((org) => !org.closedAt && hasPermission(org.role, "approvals.read"));
  return (
    <div className="min-h-dvh">
      <header className="border-b border-stone-200 bg-white">
        <div className="mx-auto flex h-14 max-w-3xl items-center gap-3 px-4 sm:px-6">
          <Link href="/" aria-label="Gatehouse home">
            <Logo />
          </Link>
          <div className="ml-auto">
            <SignOutButton />
          </div>
        </div>
      </header>
      <main className="mx-auto max-w-3xl space-y-8 px-4 py-8 sm:px-6">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Your account</h1>
          <p className="mt-1 text-sm text-stone-600">
            {user.name} · {user.email}
          </p>
        </div>
        {changed ? <FormAlert tone="info">Your password was changed. Your other sessions have ended.</FormAlert> : null}
        <section aria-labelledby="password-heading" className="rounded-xl border border-stone-200 bg-white p-6 shadow-sm">
          <h2 id="password-heading" className="text-base font-semibold">
            Change password
          </h2>
          <p className="mt-1 mb-5 text-sm text-stone-600">Every other session of your account ends; this one continues.</p>
          <div className="max-w-sm">
            <ChangePasswordForm />
          </div>
        </section>
        {approving.length > 0 ? (
          <section aria-labelledby="handover-heading" className="rounded-xl border border-stone-200 bg-white p-6 shadow-sm">
            <h2 id="handover-heading" className="text-base font-semibold">
              Out of office
            </h2>
            <p className="mt-1 mb-5 text-sm text-stone-600">
              Hand your approvals to a colleague while you are away: they get the requests meant for you and may decide what you could, in your place. Their own requests stay
              someone else&apos;s to approve.
            </p>
            <div className="space-y-6">
              {approving.map((org) => (
                <HandoverSection key={org.slug} orgSlug={org.slug} orgName={org.name} />
              ))}
            </div>
          </section>
        ) : null}
        <section aria-labelledby="sessions-heading" className="rounded-xl border border-stone-200 bg-white p-6 shadow-sm">
          <h2 id="sessions-heading" className="text-base font-semibold">
            Sessions
          </h2>
          <p className="mt-1 mb-5 text-sm text-stone-600">Sign out of Gatehouse on every browser and device, this one included. Recorded in your organizations&apos; audit logs.</p>
          <div className="max-w-xs">
            <EndAllSessionsForm />
          </div>
        </section>
      </main>
    </div>
  );
}

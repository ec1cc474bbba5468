import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { isDomainError, listMemberOrgs, normalizeUserCode, pendingCliLogin, type PendingCliLogin } from "@gatehouse/db";
import { isTopRole } from "@gatehouse/core";
import { AccountShell } from "@/components/account-shell";
import { FormAlert } from "@/components/form-fields";
import { formatDateTime } from "@/lib/format";
import { getSessionUser } from "@/server/session";
import { ConfirmForm } from "./confirm-form";

export const metadata: Metadata = { title: "Sign the CLI in", referrer: "no-referrer" };

type SearchParams = Promise<{ code?: string | string[] }>;

/**
 * Where `gatehouse login --web` sends its user (packages/cli/README.md): what asked for the login (the device the CLI
 * names, its version and User-Agent) and from where, and the member's orgs. Signed out, the console's proxy sends them
 * to sign in first and back here. The link's code fills the form in, except for an org the member owns (ConfirmForm).
 */
export default async function CliLoginPage({ searchParams }: { searchParams: SearchParams }) {
  const raw = (await searchParams).code;
  const code = normalizeUserCode(typeof raw === "string" ? raw : "") ?? "";
  const user = await getSessionUser();
  if (!user) redirect(`/signin?callbackUrl=${encodeURIComponent(`/cli-login?${new URLSearchParams({ code })}`)}`);
  const orgs = (await listMemberOrgs({ userId: user.id })).filter((org) => org.closedAt === null);
  let login: PendingCliLogin | null = null;
  if (code) {
    try {
      login = await pendingCliLogin({ userCode: code });
    } catch (error) {
      if (!isDomainError(error) || error.code !== "NOT_FOUND") throw error;
    }
  }
  return (
    <AccountShell
      title="Sign the CLI in"
      intro={
        <>
          The command line asks to act as you. Confirm only a code you see in your own terminal, from a device and address you recognise below: the CLI then gets an admin key of
          yours for the organization you choose, for 30 days.
        </>
      }
    >
      <div className="space-y-4">
        {code && !login ? <FormAlert>This code is not valid, was already used, or expired (codes live 10 minutes). Run gatehouse login --web again.</FormAlert> : null}
        {login ? (
          <dl className="space-y-2 text-sm" data-testid="cli-login-details">
            <div className="flex justify-between gap-4">
              <dt className="text-stone-500">Device</dt>
              <dd className="text-right font-mono text-xs break-all">{login.deviceName ?? "—"}</dd>
            </div>
            <div className="flex justify-between gap-4">
              <dt className="text-stone-500">From address</dt>
              <dd className="text-right font-mono text-xs">{login.address ?? "—"}</dd>
            </div>
            <div className="flex justify-between gap-4">
              <dt className="text-stone-500">Asked by</dt>
              <dd className="text-right font-mono text-xs break-all">{login.client}</dd>
            </div>
            <div className="flex justify-between gap-4">
              <dt className="text-stone-500">User agent</dt>
              <dd className="text-right font-mono text-xs break-all">{login.userAgent ?? "—"}</dd>
            </div>
            <div className="flex justify-between gap-4">
              <dt className="text-stone-500">Expires</dt>
              <dd className="text-right">{formatDateTime(login.expiresAt)}</dd>
            </div>
          </dl>
        ) : null}
        {orgs.length === 0 ? (
          <FormAlert>You are not a member of any organization yet, so there is nothing to sign the CLI in to.</FormAlert>
        ) : (
          <ConfirmForm linkCode={login?.userCode ?? ""} orgs={orgs.map((org) => ({ slug: org.slug, name: org.name, owner: isTopRole(org.role) }))} />
        )}
      </div>
    </AccountShell>
  );
}

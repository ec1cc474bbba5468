import type { Metadata } from "next";
import Link from "next/link";
import { orgSlugSchema } from "@gatehouse/contracts";
import { AccountShell } from "@/components/account-shell";
import { SsoSignInButton } from "@/components/sso-sign-in-button";
import { oidcConfig } from "@/env";
import { requireSessionUser } from "@/server/session";

export const metadata: Metadata = { title: "Single sign-on required" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/**
 * Where the console sends a member who signed in with a password to an org that requires single
 * sign-on (ADR 0012). It reads nothing about the org: the slug only builds the way back after SSO.
 */
export default async function SsoRequiredPage({ searchParams }: { searchParams: SearchParams }) {
  await requireSessionUser();
  const params = await searchParams;
  const slug = orgSlugSchema.safeParse(params.org).data ?? null;
  const oidc = oidcConfig();
  return (
    <AccountShell
      title="This organization requires single sign-on"
      intro="You signed in with a password. Its owners ask every member to sign in through the organization's identity provider."
      footer={
        <p>
          <Link href="/" className="font-medium text-stone-900 underline-offset-2 hover:underline">
            Back to your organizations
          </Link>
        </p>
      }
    >
      {oidc ? (
        <SsoSignInButton name={oidc.name} callbackUrl={slug ? `/o/${slug}` : "/"} />
      ) : (
        <p className="text-sm text-stone-600">Single sign-on is not configured on this Gatehouse instance. Ask its operator.</p>
      )}
    </AccountShell>
  );
}

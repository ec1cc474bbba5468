import type { Metadata } from "next";
import Link from "next/link";
import { AccountShell } from "@/components/account-shell";
import { SignInLinkForm } from "./sign-in-link-form";

export const metadata: Metadata = { title: "Sign in with a link" };
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function SignInLinkPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const token = typeof params.token === "string" ? params.token.slice(0, 100) : "";
  return (
    <AccountShell title="Sign in with a link" intro="The link works once, for 15 minutes.">
      {token ? (
        <SignInLinkForm token={token} />
      ) : (
        <p className="text-sm text-stone-700">
          Open the link in the email we sent you, or{" "}
          <Link href="/signin/email" className="font-medium text-stone-900 underline">
            ask for a new one
          </Link>
          .
        </p>
      )}
    </AccountShell>
  );
}

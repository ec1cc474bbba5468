import type { Metadata } from "next";
import Link from "next/link";
import { AccountShell } from "@/components/account-shell";
import { EmailLinkForm } from "@/components/email-link-form";
import { requestSignInLinkAction } from "../actions";

export const metadata: Metadata = { title: "Email me a sign-in link" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

// Works whatever has happened to the password sign-in limits of the account: failed attempts by
// anyone cannot stop the owner of the mailbox (docs/adr/0017).
export default async function SignInLinkRequestPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const email = typeof params.email === "string" ? params.email.slice(0, 320) : "";
  return (
    <AccountShell
      title="Email me a sign-in link"
      intro="We will email you a link that signs you in once, without your password."
      footer={
        <Link href="/signin" className="font-medium text-stone-900 underline-offset-2 hover:underline">
          Back to sign in
        </Link>
      }
    >
      <EmailLinkForm action={requestSignInLinkAction} email={email} submitLabel="Send me a sign-in link" />
    </AccountShell>
  );
}

import type { Metadata } from "next";
import Link from "next/link";
import { AccountShell } from "@/components/account-shell";
import { EmailLinkForm } from "@/components/email-link-form";
import { resendAction } from "../actions";

export const metadata: Metadata = { title: "Resend the verification link" };
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function ResendPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const email = typeof params.email === "string" ? params.email.slice(0, 320) : "";
  return (
    <AccountShell
      title="Resend the verification link"
      intro="A new link replaces none of the old ones until one is used; each works once, for 24 hours."
      footer={
        <Link href="/signin" className="font-medium text-stone-900 underline-offset-2 hover:underline">
          Back to sign in
        </Link>
      }
    >
      <EmailLinkForm action={resendAction} email={email} submitLabel="Send a new link" />
    </AccountShell>
  );
}

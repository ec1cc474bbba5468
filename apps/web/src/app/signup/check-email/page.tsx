import type { Metadata } from "next";
import Link from "next/link";
import { mailMode } from "@gatehouse/db";
import { AccountShell } from "@/components/account-shell";
import { env } from "@/env";

export const metadata: Metadata = { title: "Check your email" };
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function CheckEmailPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const email = typeof params.email === "string" ? params.email.slice(0, 320) : "";
  return (
    <AccountShell
      title="Check your email"
      footer={
        <p>
          No email after a few minutes?{" "}
          <Link href={`/verify-email/resend${email ? `?email=${encodeURIComponent(email)}` : ""}`} className="font-medium text-stone-900 underline-offset-2 hover:underline">
            Resend the link
          </Link>
        </p>
      }
    >
      <div className="space-y-3 text-sm text-stone-700">
        <p>
          We sent a link to <strong className="font-medium text-stone-900">{email || "your address"}</strong>. Open it to verify your email; it works once, for 24 hours.
        </p>
        <p>If this address already has a Gatehouse account, the email says how to sign in to it instead.</p>
        {mailMode() === "outbox" && env().GATEHOUSE_DEVELOPMENT ? (
          <p className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-amber-900">
            This Gatehouse has no mail server (SMTP_URL is not set): the message is in the{" "}
            <Link href="/dev/outbox" className="font-medium underline">
              development outbox
            </Link>
            .
          </p>
        ) : null}
      </div>
    </AccountShell>
  );
}

import type { Metadata } from "next";
import Link from "next/link";
import { AccountShell } from "@/components/account-shell";
import { VerifyForm } from "./verify-form";

export const metadata: Metadata = { title: "Verify your email" };
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function VerifyEmailPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const token = typeof params.token === "string" ? params.token.slice(0, 100) : "";
  if (!token) {
    return (
      <AccountShell title="Verify your email">
        <p className="text-sm text-stone-700">
          Open the link in the email we sent you.{" "}
          <Link href="/verify-email/resend" className="font-medium text-stone-900 underline">
            Resend the link
          </Link>
        </p>
      </AccountShell>
    );
  }
  return (
    <AccountShell title="Verify your email" intro="One click and your account is ready.">
      <VerifyForm token={token} />
    </AccountShell>
  );
}

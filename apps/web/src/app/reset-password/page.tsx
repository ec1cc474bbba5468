import type { Metadata } from "next";
import Link from "next/link";
import { AccountShell } from "@/components/account-shell";
import { ResetForm } from "./reset-form";

export const metadata: Metadata = { title: "Choose a new password" };
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function ResetPasswordPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const token = typeof params.token === "string" ? params.token.slice(0, 100) : "";
  return (
    <AccountShell title="Choose a new password" intro="Every session of your account ends when it changes.">
      {token ? (
        <ResetForm token={token} />
      ) : (
        <p className="text-sm text-stone-700">
          Open the link in the email we sent you, or{" "}
          <Link href="/forgot-password" className="font-medium text-stone-900 underline">
            ask for a new one
          </Link>
          .
        </p>
      )}
    </AccountShell>
  );
}

import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { isDomainError, verifyEmail } from "@gatehouse/db";
import { AccountShell } from "@/components/account-shell";

export const metadata: Metadata = { title: "Verify your email" };
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** Where a verified person continues: the sign-in, their email filled in, then their first organization. */
function afterVerification(email: string): string {
  return `/signin?notice=verified&email=${encodeURIComponent(email)}&callbackUrl=${encodeURIComponent("/signup/org")}`;
}

// One click: opening the mailed link verifies the address and continues to the sign-in. Verifying on
// GET grants nothing a mail scanner could use (no session: the password is still needed), and a link a
// scanner already spent answers "already verified" for its account, so the person continues all the same.
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
  let email: string;
  try {
    ({ email } = await verifyEmail({ input: { token } }));
  } catch (error) {
    if (!isDomainError(error) || error.code !== "VALIDATION") throw error;
    return (
      <AccountShell title="Verify your email">
        <p role="alert" className="text-sm text-stone-700">
          This link is not valid: it has expired, or a newer one was sent.{" "}
          <Link href="/verify-email/resend" className="font-medium text-stone-900 underline">
            Resend the link
          </Link>
        </p>
      </AccountShell>
    );
  }
  redirect(afterVerification(email));
}

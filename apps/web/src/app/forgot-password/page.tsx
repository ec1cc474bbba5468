import type { Metadata } from "next";
import Link from "next/link";
import { AccountShell } from "@/components/account-shell";
import { EmailLinkForm } from "@/components/email-link-form";
import { forgotPasswordAction } from "./actions";

export const metadata: Metadata = { title: "Forgot your password" };

export default function ForgotPasswordPage() {
  return (
    <AccountShell
      title="Forgot your password"
      intro="We will email you a link to choose a new one."
      footer={
        <Link href="/signin" className="font-medium text-stone-900 underline-offset-2 hover:underline">
          Back to sign in
        </Link>
      }
    >
      <EmailLinkForm action={forgotPasswordAction} submitLabel="Send me a link" />
    </AccountShell>
  );
}

import type { Metadata } from "next";
import Link from "next/link";
import { signupMode } from "@gatehouse/db";
import { AccountShell } from "@/components/account-shell";
import { SignUpForm } from "./sign-up-form";

export const metadata: Metadata = { title: "Create an account" };
export const dynamic = "force-dynamic";

export default function SignUpPage() {
  const mode = signupMode();
  const footer = (
    <p>
      Already have an account?{" "}
      <Link href="/signin" className="font-medium text-stone-900 underline-offset-2 hover:underline">
        Sign in
      </Link>
    </p>
  );
  if (mode !== "open") {
    return (
      <AccountShell title="Create an account" footer={footer}>
        <p className="text-sm text-stone-700">
          {mode === "invite"
            ? "This Gatehouse is by invitation: open the link in the invitation you received to create your account."
            : "Accounts on this Gatehouse are created by its administrators. Ask one of them to invite you."}
        </p>
      </AccountShell>
    );
  }
  return (
    <AccountShell title="Create an account" intro="Then verify your email and create your organization." footer={footer}>
      <SignUpForm />
    </AccountShell>
  );
}

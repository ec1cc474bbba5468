import Link from "next/link";
import type { ReactNode } from "react";
import { Logo } from "@/components/logo";

/** The frame of the account pages (sign-up, verification, password reset): logo, title, one card. */
export function AccountShell({ title, intro, children, footer }: { title: string; intro?: ReactNode; children: ReactNode; footer?: ReactNode }) {
  return (
    <main className="grid min-h-dvh place-items-center px-4 py-12">
      <div className="w-full max-w-sm">
        <Link href="/" aria-label="Gatehouse home">
          <Logo className="text-lg" />
        </Link>
        <h1 className="mt-8 text-2xl font-semibold tracking-tight">{title}</h1>
        {intro ? <div className="mt-1 text-sm text-stone-600">{intro}</div> : null}
        <div className="mt-8 rounded-xl border border-stone-200 bg-white p-6 shadow-sm">{children}</div>
        {footer ? <div className="mt-6 space-y-2 text-center text-sm text-stone-600">{footer}</div> : null}
      </div>
    </main>
  );
}

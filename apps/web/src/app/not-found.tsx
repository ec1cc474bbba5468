import Link from "next/link";
import { Logo } from "@/components/logo";

export default function NotFound() {
  return (
    <main className="grid min-h-dvh place-items-center px-4">
      <div className="max-w-md text-center">
        <Logo className="text-lg" />
        <p className="mt-8 text-sm font-medium text-stone-500">404</p>
        <h1 className="mt-1 text-xl font-semibold">Page not found</h1>
        <p className="mt-2 text-sm text-stone-600">This page does not exist, or it belongs to an organization you are not a member of.</p>
        <Link href="/" className="mt-6 inline-block rounded-md border border-stone-300 bg-white px-3 py-2 text-sm font-medium hover:bg-stone-50">
          Back to your organization
        </Link>
      </div>
    </main>
  );
}

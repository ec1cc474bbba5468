"use client";

import { ErrorRetry } from "@/components/error-retry";

export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main className="grid min-h-[60dvh] place-items-center px-4">
      <div className="max-w-md text-center">
        <h1 className="text-xl font-semibold">Something went wrong</h1>
        <p className="mt-2 text-sm text-stone-600">The console could not load this page. Try again; if it keeps failing, quote this reference:</p>
        <ErrorRetry digest={error.digest} reset={reset} />
      </div>
    </main>
  );
}

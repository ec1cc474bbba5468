"use client";

import { ErrorRetry } from "@/components/error-retry";

export default function OrgError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div role="alert" className="rounded-xl border border-red-200 bg-white p-8 text-center">
      <h1 className="text-lg font-semibold">This page could not load</h1>
      <p className="mt-2 text-sm text-stone-600">Try again. If it keeps failing, quote this reference:</p>
      <ErrorRetry digest={error.digest} reset={reset} />
    </div>
  );
}

"use client";

import { buttonClass } from "@/components/button";

/** The reference to quote and the retry button every error boundary of the console shows. */
export function ErrorRetry({ digest, reset }: { digest: string | undefined; reset: () => void }) {
  return (
    <>
      {digest ? <code className="mt-3 inline-block font-mono text-xs text-stone-500">{digest}</code> : null}
      <div className="mt-6">
        <button type="button" onClick={reset} className={buttonClass({ size: "md", variant: "primary" })}>
          Try again
        </button>
      </div>
    </>
  );
}

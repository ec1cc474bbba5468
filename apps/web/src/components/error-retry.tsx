"use client";

/** The reference to quote and the retry button every error boundary of the console shows. */
export function ErrorRetry({ digest, reset }: { digest: string | undefined; reset: () => void }) {
  return (
    <>
      {digest ? <code className="mt-3 inline-block font-mono text-xs text-stone-500">{digest}</code> : null}
      <div className="mt-6">
        <button type="button" onClick={reset} className="rounded-md bg-stone-900 px-3 py-2 text-sm font-medium text-white hover:bg-stone-800">
          Try again
        </button>
      </div>
    </>
  );
}

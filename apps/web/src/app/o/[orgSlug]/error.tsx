"use client";

export default function OrgError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div role="alert" className="rounded-xl border border-red-200 bg-white p-8 text-center">
      <h1 className="text-lg font-semibold">This page could not load</h1>
      <p className="mt-2 text-sm text-stone-600">Try again. If it keeps failing, quote this reference:</p>
      {error.digest ? <code className="mt-2 inline-block font-mono text-xs text-stone-500">{error.digest}</code> : null}
      <div className="mt-5">
        <button
          type="button"
          onClick={reset}
          className="rounded-md bg-stone-900 px-3 py-2 text-sm font-medium text-white hover:bg-stone-800"
        >
          Try again
        </button>
      </div>
    </div>
  );
}

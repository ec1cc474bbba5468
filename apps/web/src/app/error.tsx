"use client";

export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main className="grid min-h-[60dvh] place-items-center px-4">
      <div className="max-w-md text-center">
        <h1 className="text-xl font-semibold">Something went wrong</h1>
        <p className="mt-2 text-sm text-stone-600">
          The console could not load this page. Try again; if it keeps failing, quote this reference:
        </p>
        {error.digest ? <code className="mt-3 inline-block font-mono text-xs text-stone-500">{error.digest}</code> : null}
        <div className="mt-6">
          <button
            type="button"
            onClick={reset}
            className="rounded-md bg-stone-900 px-3 py-2 text-sm font-medium text-white hover:bg-stone-800"
          >
            Try again
          </button>
        </div>
      </div>
    </main>
  );
}

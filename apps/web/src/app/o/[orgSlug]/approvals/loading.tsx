export default function Loading() {
  return (
    <div aria-busy="true" aria-live="polite">
      <div className="h-7 w-40 animate-pulse rounded bg-stone-200" />
      <div className="mt-2 h-4 w-96 animate-pulse rounded bg-stone-100" />
      <div className="mt-8 grid gap-6 lg:grid-cols-[minmax(0,2fr)_minmax(0,3fr)]">
        <div className="overflow-hidden rounded-xl border border-stone-200 bg-white">
          {Array.from({ length: 6 }, (_, i) => (
            <div key={i} className="border-b border-stone-100 px-4 py-3.5 last:border-0">
              <div className="h-4 w-32 animate-pulse rounded bg-stone-100" />
              <div className="mt-2 h-3 w-48 animate-pulse rounded bg-stone-100" />
            </div>
          ))}
        </div>
        <div className="h-96 animate-pulse rounded-xl border border-stone-200 bg-white" />
      </div>
      <span className="sr-only">Loading approvals…</span>
    </div>
  );
}

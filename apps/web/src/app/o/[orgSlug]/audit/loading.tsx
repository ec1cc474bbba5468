export default function Loading() {
  return (
    <div aria-busy="true" aria-live="polite">
      <div className="h-7 w-40 animate-pulse rounded bg-stone-200" />
      <div className="mt-2 h-4 w-80 animate-pulse rounded bg-stone-100" />
      <div className="mt-6 flex gap-5 border-b border-stone-200 pb-2">
        {Array.from({ length: 5 }, (_, i) => (
          <div key={i} className="h-4 w-16 animate-pulse rounded bg-stone-100" />
        ))}
      </div>
      <div className="mt-6 overflow-hidden rounded-xl border border-stone-200 bg-white">
        {Array.from({ length: 8 }, (_, i) => (
          <div key={i} className="flex gap-6 border-b border-stone-100 px-4 py-3.5 last:border-0">
            <div className="h-4 w-10 animate-pulse rounded bg-stone-100" />
            <div className="h-4 w-40 animate-pulse rounded bg-stone-100" />
            <div className="h-4 w-28 animate-pulse rounded bg-stone-100" />
            <div className="h-4 flex-1 animate-pulse rounded bg-stone-100" />
          </div>
        ))}
      </div>
      <span className="sr-only">Loading audit log…</span>
    </div>
  );
}

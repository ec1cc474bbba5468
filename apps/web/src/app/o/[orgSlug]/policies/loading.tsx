import { RowsSkeleton } from "@/components/panel-states";

export default function Loading() {
  return (
    <div aria-busy="true" aria-live="polite" className="space-y-6">
      <div className="h-7 w-40 animate-pulse rounded bg-stone-200" />
      <RowsSkeleton label="Loading policies…" />
    </div>
  );
}

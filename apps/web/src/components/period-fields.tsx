/** A `datetime-local` value (the browser's time zone) as an ISO 8601 instant, or null if incomplete. */
export function toInstant(local: string): string | null {
  if (!local) return null;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** The From and To fields of a period in the browser's time zone; `problemId` names the message that says what is wrong with it. */
export function PeriodFields({
  from,
  to,
  onFrom,
  onTo,
  problemId,
}: {
  from: string;
  to: string;
  onFrom: (value: string) => void;
  onTo: (value: string) => void;
  problemId?: string | undefined;
}) {
  return (
    <>
      <label className="flex flex-col gap-1 text-sm">
        <span className="text-xs text-stone-600">From (your local time)</span>
        <input type="datetime-local" value={from} onChange={(event) => onFrom(event.target.value)} className="rounded-md border border-stone-300 bg-white px-2 py-1" />
      </label>
      <label className="flex flex-col gap-1 text-sm">
        <span className="text-xs text-stone-600">To (your local time)</span>
        <input
          type="datetime-local"
          value={to}
          onChange={(event) => onTo(event.target.value)}
          aria-invalid={problemId !== undefined}
          aria-describedby={problemId}
          className="rounded-md border border-stone-300 bg-white px-2 py-1"
        />
      </label>
    </>
  );
}

import Link from "next/link";
import { formatDateTime } from "@/lib/format";

const orgBase = (orgSlug: string) => `/o/${encodeURIComponent(orgSlug)}`;

/** Under the header of a closed org (its owners only still see it): closed, read-only, the log kept. */
export function ClosedBanner({ orgSlug, closedAt }: { orgSlug: string; closedAt: string | null }) {
  return (
    <div role="status" className="border-b border-amber-200 bg-amber-50">
      <p className="mx-auto max-w-7xl px-4 py-2 text-sm text-amber-900 sm:px-6">
        This organization was closed{closedAt ? ` on ${formatDateTime(closedAt)}` : ""}: it is read-only and its keys no longer work. Its{" "}
        <Link href={`${orgBase(orgSlug)}/audit`} className="font-medium underline underline-offset-2">
          audit log
        </Link>{" "}
        is kept: you can still read, export and verify it.
      </p>
    </div>
  );
}

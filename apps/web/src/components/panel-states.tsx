"use client";

import type { ReactNode } from "react";
import { ErrorRetry } from "@/components/error-retry";
import { ApiError } from "@/lib/api-client";
import { buttonClass } from "@/components/button";

// The loading, failed and empty states the console's list sections (Audit, Approvals) share.

/** A section's data could not load at all (`compact`: one panel of a page of panels, such as the overview's). */
export function LoadError({ what, error, onRetry, compact = false }: { what: string; error: Error; onRetry: () => void; compact?: boolean }) {
  const signedOut = error instanceof ApiError && error.status === 401;
  return (
    <div
      role="alert"
      className={compact ? "rounded-lg border border-red-200 bg-red-50 px-4 py-6 text-center text-sm text-red-900" : "rounded-xl border border-red-200 bg-white p-8 text-center"}
    >
      <h2 className={compact ? "font-medium" : "text-base font-semibold"}>{what} could not load</h2>
      {signedOut ? (
        <p className="mt-2 text-sm text-stone-600">
          Your session has ended.{" "}
          <a href="/signin" className="font-medium underline">
            Sign in again
          </a>
        </p>
      ) : (
        <>
          <p className="mt-2 text-sm text-stone-600">{error.message}</p>
          <ErrorRetry digest={error instanceof ApiError ? (error.requestId ?? undefined) : undefined} reset={onRetry} />
        </>
      )}
    </div>
  );
}

/**
 * Data is shown but the latest refresh (or the next page) failed. Nothing while `error` is null: the
 * pages pass their query's error as it is, and a query that has not failed has none.
 */
export function RefreshErrorBanner({ what, error, onRetry, verb = "load" }: { what: string; error: Error | null; onRetry: () => void; verb?: string }) {
  if (!error) return null;
  const signedOut = error instanceof ApiError && error.status === 401;
  return (
    <div role="alert" className="mt-4 flex flex-wrap items-center justify-between gap-3 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900">
      <span>
        {signedOut ? `Your session has ended, so ${what} cannot be refreshed.` : `Could not ${verb} ${what}: ${error.message}.`}
        {error instanceof ApiError && error.requestId && !signedOut ? <span className="ml-1 font-mono text-xs text-amber-700">({error.requestId})</span> : null}
      </span>
      {signedOut ? (
        <a href="/signin" className="font-medium underline">
          Sign in again
        </a>
      ) : (
        <button type="button" onClick={onRetry} className={buttonClass({ variant: "link" })}>
          Retry
        </button>
      )}
    </div>
  );
}

/** The part of an infinite query the list sections use: refresh and next-page state. */
interface PagedQuery {
  data: unknown;
  error: Error | null;
  isRefetchError: boolean;
  isFetchNextPageError: boolean;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  refetch: () => Promise<unknown>;
  fetchNextPage: () => Promise<unknown>;
}

/** The banner for a paged list whose refresh or next page failed; Retry repeats what failed. */
export function PagedRefreshError({ what, query, verb }: { what: string; query: PagedQuery; verb?: string }) {
  if (!query.data || !(query.isRefetchError || query.isFetchNextPageError)) return null;
  return <RefreshErrorBanner what={what} verb={verb} error={query.error} onRetry={() => void (query.isFetchNextPageError ? query.fetchNextPage() : query.refetch())} />;
}

/** A paged list's "Load more" button (nothing when there is no next page). */
export function LoadMoreButton({ query, label = "Load more", compact = false }: { query: PagedQuery; label?: string; compact?: boolean }) {
  if (!query.hasNextPage) return null;
  return (
    <button type="button" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage} className={buttonClass({ size: compact ? "xs" : "sm" })}>
      {query.isFetchingNextPage ? "Loading…" : label}
    </button>
  );
}

export function RowsSkeleton({ rows = 6, label }: { rows?: number; label: string }) {
  return (
    <div aria-busy="true" className="overflow-hidden rounded-xl border border-stone-200 bg-white">
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="flex gap-6 border-b border-stone-100 px-4 py-3.5 last:border-0">
          <div className="h-4 w-10 animate-pulse rounded bg-stone-100" />
          <div className="h-4 w-40 animate-pulse rounded bg-stone-100" />
          <div className="h-4 flex-1 animate-pulse rounded bg-stone-100" />
        </div>
      ))}
      <span className="sr-only">{label}</span>
    </div>
  );
}

export function EmptyBox({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="rounded-xl border border-dashed border-stone-300 bg-white px-6 py-12 text-center">
      <h2 className="text-base font-semibold">{title}</h2>
      {children ? <div className="mx-auto mt-1 max-w-md text-sm text-stone-600">{children}</div> : null}
    </div>
  );
}

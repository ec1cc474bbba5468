"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Fragment, useState } from "react";
import { ApiError, fetchAuditPage, type AuditFilters } from "@/lib/api-client";
import {
  AUDIT_PAGE_SIZE,
  formatUtc,
  summarize,
  type AuditEntry,
  type AuditPage,
  type DecisionStatus,
} from "@/lib/audit";

interface AuditLogProps {
  orgSlug: string;
  filters: AuditFilters;
  initialPage: AuditPage;
  renderedAt: number;
  apiUrl: string | null;
}

export function AuditLog({ orgSlug, filters, initialPage, renderedAt, apiUrl }: AuditLogProps) {
  const query = useInfiniteQuery({
    queryKey: ["audit", orgSlug, filters.type ?? null, filters.agentId ?? null],
    queryFn: ({ pageParam, signal }) =>
      fetchAuditPage(orgSlug, { ...filters, cursor: pageParam, limit: AUDIT_PAGE_SIZE }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    initialData: { pages: [initialPage], pageParams: [null] },
    initialDataUpdatedAt: renderedAt,
    refetchOnWindowFocus: true,
  });

  const entries = query.data.pages.flatMap((page) => page.events);
  const filtered = Boolean(filters.type || filters.agentId);
  const refreshing = query.isRefetching && !query.isFetchingNextPage;

  return (
    <section aria-labelledby="audit-heading">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 id="audit-heading" className="text-2xl font-semibold tracking-tight">
            Audit log
          </h1>
          <p className="mt-1 max-w-2xl text-sm text-stone-600">
            Every decision Gatehouse made for your agents, newest first. Entries are numbered without gaps and
            hash-chained, so an exported log can be verified offline.
          </p>
        </div>
        <button
          type="button"
          onClick={() => void query.refetch()}
          disabled={query.isFetching}
          className="inline-flex items-center gap-2 rounded-md border border-stone-300 bg-white px-3 py-1.5 text-sm font-medium text-stone-800 shadow-xs hover:bg-stone-50 disabled:opacity-60"
        >
          <RefreshIcon spinning={refreshing} />
          {refreshing ? "Refreshing…" : "Refresh"}
        </button>
      </div>

      {filtered ? <FilterBar orgSlug={orgSlug} filters={filters} /> : null}

      {query.isRefetchError || query.isFetchNextPageError ? (
        <QueryErrorBanner
          error={query.error}
          onRetry={() => void (query.isFetchNextPageError ? query.fetchNextPage() : query.refetch())}
        />
      ) : null}

      {entries.length === 0 ? (
        <EmptyState filtered={filtered} orgSlug={orgSlug} apiUrl={apiUrl} />
      ) : (
        <>
          <AuditTable entries={entries} orgSlug={orgSlug} filters={filters} />
          <div className="mt-4 flex items-center justify-between text-sm text-stone-500">
            <span>
              {entries.length} {entries.length === 1 ? "entry" : "entries"} shown
            </span>
            {query.hasNextPage ? (
              <button
                type="button"
                onClick={() => void query.fetchNextPage()}
                disabled={query.isFetchingNextPage}
                className="rounded-md border border-stone-300 bg-white px-3 py-1.5 font-medium text-stone-800 shadow-xs hover:bg-stone-50 disabled:opacity-60"
              >
                {query.isFetchingNextPage ? "Loading…" : "Load more"}
              </button>
            ) : (
              <span>Beginning of the log</span>
            )}
          </div>
        </>
      )}
    </section>
  );
}

function filterHref(orgSlug: string, filters: AuditFilters): string {
  const params = new URLSearchParams();
  if (filters.type) params.set("type", filters.type);
  if (filters.agentId) params.set("agentId", filters.agentId);
  const query = params.toString();
  return `/o/${encodeURIComponent(orgSlug)}/audit${query ? `?${query}` : ""}`;
}

function AuditTable({ entries, orgSlug, filters }: { entries: AuditEntry[]; orgSlug: string; filters: AuditFilters }) {
  const [open, setOpen] = useState<string | null>(null);

  return (
    <div className="mt-6 overflow-x-auto rounded-xl border border-stone-200 bg-white shadow-xs">
      <table className="w-full min-w-[56rem] text-left text-sm">
        <thead className="border-b border-stone-200 bg-stone-50/80 text-xs font-medium uppercase tracking-wide text-stone-500">
          <tr>
            <th scope="col" className="px-4 py-2.5 text-right">
              Seq
            </th>
            <th scope="col" className="px-4 py-2.5">
              Time (UTC)
            </th>
            <th scope="col" className="px-4 py-2.5">
              Event
            </th>
            <th scope="col" className="px-4 py-2.5">
              Agent
            </th>
            <th scope="col" className="px-4 py-2.5">
              Action
            </th>
            <th scope="col" className="px-4 py-2.5">
              Decision
            </th>
            <th scope="col" className="px-4 py-2.5">
              Policy
            </th>
            <th scope="col" className="px-4 py-2.5">
              <span className="sr-only">Details</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-stone-100">
          {entries.map((entry) => {
            const summary = summarize(entry);
            const expanded = open === entry.id;
            return (
              <Fragment key={entry.id}>
                <tr
                  data-testid="audit-row"
                  data-entry-id={entry.id}
                  data-seq={entry.seq}
                  className="align-top hover:bg-stone-50/60"
                >
                  <td className="px-4 py-3 text-right font-mono tabular-nums text-stone-500">{entry.seq}</td>
                  <td className="whitespace-nowrap px-4 py-3 tabular-nums text-stone-700">
                    <time dateTime={entry.createdAt}>{formatUtc(entry.createdAt)}</time>
                  </td>
                  <td className="px-4 py-3">
                    <Link
                      href={filterHref(orgSlug, { ...filters, type: entry.type })}
                      title={`Show only ${entry.type} entries`}
                      className="font-mono text-xs text-stone-700 hover:underline"
                    >
                      {entry.type}
                    </Link>
                  </td>
                  <td className="px-4 py-3">
                    {entry.agentId ? (
                      <Link
                        href={filterHref(orgSlug, { ...filters, agentId: entry.agentId })}
                        title={`Show only entries of ${entry.agentId}`}
                        className="text-stone-800 hover:underline"
                      >
                        {summary.agentName ?? <span className="font-mono text-xs">{entry.agentId}</span>}
                      </Link>
                    ) : (
                      <span className="text-stone-400">—</span>
                    )}
                  </td>
                  <td data-testid="action-type" className="px-4 py-3 font-mono text-xs text-stone-800">
                    {summary.actionType ?? <span className="font-sans text-sm text-stone-400">—</span>}
                  </td>
                  <td data-testid="decision-status" className="px-4 py-3">
                    {summary.status ? (
                      <StatusBadge status={summary.status} />
                    ) : (
                      <span className="text-stone-400">—</span>
                    )}
                  </td>
                  <td data-testid="policy" className="px-4 py-3">
                    <div className="whitespace-nowrap text-stone-800">
                      {summary.policyName ?? <span className="text-stone-400">—</span>}
                      {summary.policyVersion !== null ? (
                        <span className="ml-1.5 text-xs text-stone-400">v{summary.policyVersion}</span>
                      ) : null}
                      {summary.mode === "monitor" ? (
                        <span className="ml-1.5 rounded bg-sky-50 px-1.5 py-0.5 text-xs text-sky-800">monitor</span>
                      ) : null}
                    </div>
                    {summary.denialReason ? (
                      <div className="mt-0.5 font-mono text-xs text-red-700">{summary.denialReason}</div>
                    ) : null}
                  </td>
                  <td className="px-4 py-3 text-right">
                    <button
                      type="button"
                      aria-expanded={expanded}
                      aria-controls={`entry-${entry.id}`}
                      onClick={() => setOpen(expanded ? null : entry.id)}
                      className="rounded px-1.5 py-0.5 text-xs font-medium text-stone-500 hover:bg-stone-100 hover:text-stone-800"
                    >
                      {expanded ? "Hide" : "Details"}
                    </button>
                  </td>
                </tr>
                {expanded ? (
                  <tr id={`entry-${entry.id}`} className="bg-stone-50/60">
                    <td colSpan={8} className="px-4 pb-4 pt-1">
                      <EntryDetails entry={entry} />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function EntryDetails({ entry }: { entry: AuditEntry }) {
  const rows: Array<[string, string]> = [
    ["Entry", entry.id],
    ["Actor", `${entry.actorType} · ${entry.actorId}`],
    ["Subject", entry.subjectId ?? "—"],
    ["Leaf hash", entry.leafHash],
    ["Chain hash", entry.chainHash],
  ];
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <dl className="grid grid-cols-[6rem_1fr] content-start gap-x-3 gap-y-2 text-xs">
        {rows.map(([label, value]) => (
          <Fragment key={label}>
            <dt className="text-stone-500">{label}</dt>
            <dd className="break-all font-mono text-stone-800">{value}</dd>
          </Fragment>
        ))}
      </dl>
      <pre className="max-h-72 overflow-auto rounded-lg border border-stone-200 bg-white p-3 font-mono text-xs leading-relaxed text-stone-800">
        {JSON.stringify(entry.data, null, 2)}
      </pre>
    </div>
  );
}

const STATUS_STYLES: Record<DecisionStatus, string> = {
  executed: "bg-emerald-50 text-emerald-800 ring-emerald-600/20",
  requested: "bg-amber-50 text-amber-800 ring-amber-600/20",
  denied: "bg-red-50 text-red-800 ring-red-600/20",
};

const STATUS_HINTS: Record<DecisionStatus, string> = {
  executed: "Allowed by policy",
  requested: "Waiting for an approver",
  denied: "Blocked",
};

function StatusBadge({ status }: { status: DecisionStatus }) {
  return (
    <span
      title={STATUS_HINTS[status]}
      className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${STATUS_STYLES[status]}`}
    >
      {status}
    </span>
  );
}

function FilterBar({ orgSlug, filters }: { orgSlug: string; filters: AuditFilters }) {
  return (
    <div className="mt-5 flex flex-wrap items-center gap-2 text-sm">
      <span className="text-stone-500">Filtered by</span>
      {filters.type ? <Chip label="event" value={filters.type} /> : null}
      {filters.agentId ? <Chip label="agent" value={filters.agentId} /> : null}
      <Link href={filterHref(orgSlug, {})} className="ml-1 text-stone-600 underline hover:text-stone-900">
        Clear
      </Link>
    </div>
  );
}

function Chip({ label, value }: { label: string; value: string }) {
  return (
    <span className="inline-flex items-center gap-1 rounded-full border border-stone-200 bg-white px-2.5 py-0.5 text-xs">
      <span className="text-stone-500">{label}</span>
      <span className="font-mono text-stone-800">{value}</span>
    </span>
  );
}

function QueryErrorBanner({ error, onRetry }: { error: Error | null; onRetry: () => void }) {
  const signedOut = error instanceof ApiError && error.status === 401;
  return (
    <div
      role="alert"
      className="mt-5 flex flex-wrap items-center justify-between gap-3 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900"
    >
      <span>
        {signedOut
          ? "Your session has ended, so the log cannot be refreshed."
          : `Could not load the latest entries: ${error?.message ?? "unknown error"}.`}
        {error instanceof ApiError && error.requestId && !signedOut ? (
          <span className="ml-1 font-mono text-xs text-amber-700">({error.requestId})</span>
        ) : null}
      </span>
      {signedOut ? (
        <a href="/signin" className="font-medium underline">
          Sign in again
        </a>
      ) : (
        <button type="button" onClick={onRetry} className="font-medium underline">
          Retry
        </button>
      )}
    </div>
  );
}

function EmptyState({ filtered, orgSlug, apiUrl }: { filtered: boolean; orgSlug: string; apiUrl: string | null }) {
  if (filtered) {
    return (
      <div className="mt-6 rounded-xl border border-dashed border-stone-300 bg-white px-6 py-12 text-center">
        <h2 className="text-base font-semibold">No entries match these filters</h2>
        <p className="mt-1 text-sm text-stone-600">
          <Link href={filterHref(orgSlug, {})} className="underline">
            Show the whole log
          </Link>
        </p>
      </div>
    );
  }
  const snippet = [
    `import { Gatehouse } from "@gatehouse/sdk";`,
    ``,
    `const gatehouse = new Gatehouse({ apiKey: "gh_agent_…"${apiUrl ? `, baseUrl: "${apiUrl}"` : ""} });`,
    `await gatehouse.execute("pr.open", { metadata: { repo: "acme/web" } });`,
  ].join("\n");
  return (
    <div className="mt-6 rounded-xl border border-dashed border-stone-300 bg-white px-6 py-12 text-center">
      <h2 className="text-base font-semibold">No audit entries yet</h2>
      <p className="mx-auto mt-1 max-w-md text-sm text-stone-600">
        Each time an agent asks Gatehouse before it acts, the decision is written here. Ask from an agent with its API
        key{apiUrl ? (
          <>
            {" "}against <code className="font-mono text-xs">{apiUrl}</code>
          </>
        ) : null}
        , then refresh.
      </p>
      <pre className="mx-auto mt-6 max-w-2xl overflow-x-auto rounded-lg bg-stone-900 p-4 text-left font-mono text-xs leading-relaxed text-stone-100">
        {snippet}
      </pre>
    </div>
  );
}

function RefreshIcon({ spinning }: { spinning: boolean }) {
  return (
    <svg
      aria-hidden="true"
      viewBox="0 0 20 20"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.6"
      className={`size-4 ${spinning ? "animate-spin" : ""}`}
    >
      <path d="M16.5 10a6.5 6.5 0 1 1-1.9-4.6" strokeLinecap="round" />
      <path d="M16.5 3.5v3.5H13" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

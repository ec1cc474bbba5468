"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { EmptyBox, LoadMoreButton, PagedRefreshError } from "@/components/panel-states";
import { useLiveStatus } from "@/components/live-events";
import { formatDateTime } from "@/lib/format";
import { itemsOfPages } from "@/lib/pages";
import { fetchRunPage, runDuration, runKeys, RUN_STATUS_LABEL, RUN_STATUS_TONE, type RunPage, type RunStatus, formatSpend } from "@/lib/runs";
import { Pill } from "../agents/secret-once";

const FILTERS: Array<{ status: RunStatus | null; label: string }> = [
  { status: null, label: "All" },
  { status: "running", label: "Running" },
  { status: "waiting", label: "Waiting" },
  { status: "idle", label: "Idle" },
  { status: "completed", label: "Completed" },
  { status: "failed", label: "Failed" },
];

/**
 * The org's runs, the most recently active first: status, agent, when it started, how long it took,
 * its decisions. Kept fresh by the org's live events (a decision or an approval refetches it); while
 * the stream is down it refetches every 10 seconds.
 */
export function RunsList({ orgSlug, initial }: { orgSlug: string; initial: RunPage }) {
  const [status, setStatus] = useState<RunStatus | null>(null);
  const live = useLiveStatus();
  const query = useInfiniteQuery({
    queryKey: runKeys.list(orgSlug, status),
    queryFn: ({ pageParam, signal }) => fetchRunPage(orgSlug, { status, cursor: pageParam }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor,
    ...(status === null ? { initialData: { pages: [initial], pageParams: [null] } } : {}),
    refetchInterval: live === "live" ? false : 10_000,
  });
  const runs = itemsOfPages(
    query.data?.pages,
    (page) => page.runs,
    (run) => run.id,
  );

  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-xl font-semibold">Runs</h1>
        <p className="mt-1 text-sm text-stone-600">
          An agent&apos;s calls for one piece of work, grouped by the <code className="font-mono">runId</code> it sends (the SDK&apos;s <code className="font-mono">run()</code>).
        </p>
      </div>
      <div role="group" aria-label="Filter runs by status" className="flex flex-wrap gap-2">
        {FILTERS.map((filter) => (
          <button
            key={filter.label}
            type="button"
            aria-pressed={status === filter.status}
            onClick={() => setStatus(filter.status)}
            className={`rounded-full px-3 py-1 text-sm ring-1 ring-inset ${status === filter.status ? "bg-stone-900 text-white ring-stone-900" : "bg-white text-stone-700 ring-stone-300 hover:bg-stone-50"}`}
          >
            {filter.label}
          </button>
        ))}
      </div>
      <PagedRefreshError what="runs" query={query} />
      {query.isPending ? (
        <p className="text-sm text-stone-500">Loading runs…</p>
      ) : runs.length === 0 ? (
        <EmptyBox title={status === null ? "No runs yet" : `No ${RUN_STATUS_LABEL[status]} runs`}>
          A run starts with the first call that names a <code className="font-mono">runId</code>:{" "}
          <code className="font-mono">gatehouse.run(&quot;triage #4512&quot;, async (run) =&gt; …)</code>.
        </EmptyBox>
      ) : (
        <div className="overflow-x-auto rounded-xl border border-stone-200 bg-white">
          <table className="w-full text-left text-sm">
            <thead className="border-b border-stone-200 text-xs text-stone-500 uppercase">
              <tr>
                <th className="px-4 py-2 font-medium">Run</th>
                <th className="px-4 py-2 font-medium">Status</th>
                <th className="px-4 py-2 font-medium">Agent</th>
                <th className="px-4 py-2 font-medium">Started</th>
                <th className="px-4 py-2 font-medium">Duration</th>
                <th className="px-4 py-2 font-medium">Decisions</th>
                <th className="px-4 py-2 font-medium">Spend</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => (
                <tr key={run.id} data-testid="run-row" className="border-b border-stone-100 last:border-0">
                  <td className="px-4 py-2">
                    <Link href={`/o/${encodeURIComponent(orgSlug)}/runs/${run.id}`} className="font-medium text-stone-900 underline-offset-2 hover:underline">
                      {run.name ?? run.runId}
                    </Link>
                    {run.name ? <div className="font-mono text-xs text-stone-500">{run.runId}</div> : null}
                  </td>
                  <td className="px-4 py-2">
                    <Pill tone={RUN_STATUS_TONE[run.status]}>{RUN_STATUS_LABEL[run.status]}</Pill>
                  </td>
                  <td className="px-4 py-2">
                    <Link href={`/o/${encodeURIComponent(orgSlug)}/agents/${run.agentId}`} className="hover:underline">
                      {run.agentName}
                    </Link>
                  </td>
                  <td className="px-4 py-2 whitespace-nowrap text-stone-600">{formatDateTime(run.startedAt)}</td>
                  <td className="px-4 py-2 whitespace-nowrap text-stone-600">{runDuration(run.durationMs)}</td>
                  <td className="px-4 py-2 whitespace-nowrap text-stone-600">
                    {run.decisions.total} ({run.decisions.executed} executed, {run.decisions.denied} denied, {run.decisions.requested} held)
                  </td>
                  <td className="px-4 py-2 whitespace-nowrap text-stone-600" data-testid="run-spend">
                    {formatSpend(run.spend)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <LoadMoreButton query={query} />
    </div>
  );
}

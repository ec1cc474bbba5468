"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { Fragment, useMemo, useState } from "react";
import { CopyButton, DownloadTextButton } from "@/components/text-actions";
import { fetchCheckpointPage } from "@/lib/api-client";
import { CHECKPOINT_PAGE_SIZE, auditKeys } from "@/lib/audit";
import { EmptyBox, LoadError, LoadMoreButton, PagedRefreshError, RowsSkeleton } from "@/components/panel-states";
import { countOf, formatDateTime } from "@/lib/format";
import { buttonClass } from "@/components/button";
import { itemsOfPages } from "@/lib/pages";

/** The Checkpoints section: every signed tree head, largest first, each note ready to save. */
export function CheckpointsPanel({ orgSlug }: { orgSlug: string }) {
  const [shown, setShown] = useState<number | null>(null);
  const query = useInfiniteQuery({
    queryKey: auditKeys.checkpoints(orgSlug),
    queryFn: ({ pageParam, signal }) => fetchCheckpointPage(orgSlug, { cursor: pageParam, limit: CHECKPOINT_PAGE_SIZE }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const checkpoints = useMemo(
    () =>
      itemsOfPages(
        query.data?.pages,
        (page) => page.checkpoints,
        (c) => c.treeSize,
      ),
    [query.data],
  );

  return (
    <div>
      <h2 className="text-lg font-semibold">Checkpoints</h2>
      <p className="mt-1 max-w-3xl text-sm text-stone-600">
        A checkpoint is a signed statement of the log&apos;s size and Merkle root (a C2SP signed note). Save one today and, with a later export,{" "}
        <code className="font-mono text-xs">gatehouse verify &lt;file&gt; --key &lt;vkey&gt; --since &lt;note&gt;</code> proves the log only grew since: nothing before it was
        changed or removed.
      </p>

      <PagedRefreshError what="checkpoints" query={query} />

      <div className="mt-5">
        {query.isPending ? (
          <RowsSkeleton label="Loading checkpoints…" />
        ) : query.isError && !query.data ? (
          <LoadError what="Checkpoints" error={query.error} onRetry={() => void query.refetch()} />
        ) : checkpoints.length === 0 ? (
          <EmptyBox title="No checkpoints yet">The log is signed as soon as it has entries, within a second of each change.</EmptyBox>
        ) : (
          <>
            <div className="overflow-x-auto rounded-xl border border-stone-200 bg-white shadow-xs">
              <table className="w-full min-w-[48rem] text-left text-sm">
                <thead className="border-b border-stone-200 bg-stone-50/80 text-xs font-medium uppercase tracking-wide text-stone-500">
                  <tr>
                    <th scope="col" className="px-4 py-2.5 text-right">
                      Tree size
                    </th>
                    <th scope="col" className="px-4 py-2.5">
                      Root
                    </th>
                    <th scope="col" className="px-4 py-2.5">
                      Signed (UTC)
                    </th>
                    <th scope="col" className="px-4 py-2.5">
                      <span className="sr-only">Note</span>
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-stone-100">
                  {checkpoints.map((checkpoint) => {
                    const open = shown === checkpoint.treeSize;
                    const context = `of checkpoint ${checkpoint.treeSize}`;
                    return (
                      <Fragment key={checkpoint.treeSize}>
                        <tr data-testid="checkpoint-row" data-tree-size={checkpoint.treeSize} className="align-top">
                          <td className="px-4 py-3 text-right font-mono tabular-nums text-stone-800">{checkpoint.treeSize}</td>
                          <td className="px-4 py-3 font-mono text-xs text-stone-700" title={checkpoint.rootHash}>
                            {checkpoint.rootHash.slice(0, 16)}…
                          </td>
                          <td className="whitespace-nowrap px-4 py-3 tabular-nums text-stone-700">
                            <time dateTime={checkpoint.createdAt}>{formatDateTime(checkpoint.createdAt)}</time>
                          </td>
                          <td className="px-4 py-3">
                            <div className="flex justify-end gap-2">
                              <button
                                type="button"
                                aria-expanded={open}
                                aria-controls={`checkpoint-${checkpoint.treeSize}`}
                                onClick={() => setShown(open ? null : checkpoint.treeSize)}
                                className={buttonClass({ size: "xs", variant: "ghost" })}
                              >
                                {open ? "Hide note" : "Show note"}
                                <span className="sr-only"> {context}</span>
                              </button>
                              <CopyButton text={checkpoint.note} label="Copy note" context={context} />
                              <DownloadTextButton
                                text={checkpoint.note}
                                filename={`gatehouse-checkpoint-${orgSlug}-${checkpoint.treeSize}.txt`}
                                label="Download note"
                                context={context}
                              />
                            </div>
                          </td>
                        </tr>
                        {open ? (
                          <tr id={`checkpoint-${checkpoint.treeSize}`}>
                            <td colSpan={4} className="px-4 pb-4">
                              <pre data-testid="checkpoint-note" className="overflow-x-auto rounded-md bg-stone-900 p-3 font-mono text-xs leading-relaxed text-stone-100">
                                {checkpoint.note}
                              </pre>
                              <p className="mt-1 text-xs text-stone-500">
                                Root (hex) <span className="break-all font-mono">{checkpoint.rootHash}</span> · signing key <span className="font-mono">{checkpoint.keyId}</span>
                              </p>
                            </td>
                          </tr>
                        ) : null}
                      </Fragment>
                    );
                  })}
                </tbody>
              </table>
            </div>
            <div className="mt-4 flex items-center justify-between text-sm text-stone-500">
              <span>{countOf(checkpoints.length, "checkpoint")} shown</span>
              {query.hasNextPage ? <LoadMoreButton query={query} label="Load more checkpoints" /> : <span>First checkpoint of the log</span>}
            </div>
          </>
        )}
      </div>
    </div>
  );
}

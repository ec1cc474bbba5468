"use client";

import { AgentOptions } from "@/components/agent-options";
import { useInfiniteQuery, useQueryClient, type InfiniteData } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import { LoadError, LoadMoreButton, PagedRefreshError } from "@/components/panel-states";
import { useLiveStatus, type LiveStatus } from "@/components/live-events";
import { fetchApprovalPage } from "@/lib/api-client";
import { APPROVAL_PAGE_SIZE, APPROVAL_SORTS, approvalKeys, expiresIn, formatSpan, sortApprovals, type Approval, type ApprovalPage, type Decision } from "@/lib/approvals";
import { ApprovalDetail, ApprovalStatusBadge } from "./approval-detail";
import { BulkDecisionBar, BulkResults, type BulkOutcomeSummary } from "./bulk-decision";
import { Button } from "@/components/button";
import { delegatedByText } from "@/lib/delegations";
import { formatDateTime, metadataDigest } from "@/lib/format";
import { itemsOfPages } from "@/lib/pages";
import { INBOX_TABS, useInboxFilters, type InboxTab } from "@/lib/use-inbox-filters";
import { useInboxKeyboard } from "@/lib/use-inbox-keyboard";
import { FilterField } from "@/components/filter-field";

export interface AgentOption {
  id: string;
  name: string;
}

interface ApprovalsInboxProps {
  orgSlug: string;
  agents: AgentOption[];
  /** The first page of the default view (pending, unfiltered), rendered on the server. */
  initialPage: ApprovalPage;
  renderedAt: number;
  /** The approval to open first (`?approval=apr_…`, a link from the overview); the list's first otherwise. */
  initialSelectedId?: string | null;
}

export function ApprovalsInbox({ orgSlug, agents, initialPage, renderedAt, initialSelectedId = null }: ApprovalsInboxProps) {
  const queryClient = useQueryClient();
  const live = useLiveStatus();
  const now = useNow(renderedAt);
  // Null follows the top of the list; an id stays shown even after it leaves the list (decided elsewhere).
  const [selectedId, setSelectedId] = useState<string | null>(initialSelectedId);
  const [armed, setArmed] = useState<Decision | null>(null);
  const select = (id: string | null) => {
    setSelectedId(id);
    setArmed(null);
  };
  // Another tab or filter shows another list: the selection follows its top.
  const view = useInboxFilters({ onListChange: () => select(null) });
  const { tab, sort, filters, filtered, defaultView } = view;
  const [flash, setFlash] = useState<string | null>(null);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  // The pending approvals ticked for "Approve selected" / "Deny selected"; only the ones shown count.
  const [checked, setChecked] = useState<ReadonlySet<string>>(new Set());
  const [bulkSummary, setBulkSummary] = useState<BulkOutcomeSummary | null>(null);

  const query = useInfiniteQuery({
    queryKey: approvalKeys.list(orgSlug, filters),
    queryFn: ({ pageParam, signal }) => fetchApprovalPage(orgSlug, { ...filters, cursor: pageParam, limit: APPROVAL_PAGE_SIZE }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    initialData: () => (defaultView ? { pages: [initialPage], pageParams: [null] } : undefined),
    initialDataUpdatedAt: renderedAt,
    // The event stream refetches on every change; without it, poll.
    refetchInterval: live === "live" ? false : 15_000,
  });

  const loaded = useMemo(
    () =>
      itemsOfPages(
        query.data?.pages,
        (page) => page.approvals,
        (a) => a.id,
      ),
    [query.data],
  );
  const items = useMemo(() => sortApprovals(loaded, sort), [loaded, sort]);
  const actionTypes = useMemo(() => [...new Set(loaded.map((a) => a.actionType))].sort(), [loaded]);
  const activeId = selectedId ?? items[0]?.id ?? null;
  const activeItem = items.find((a) => a.id === activeId);
  const bulkable = tab === "pending";
  const checkedItems = useMemo(() => (bulkable ? items.filter((a) => a.status === "pending" && checked.has(a.id)) : []), [bulkable, items, checked]);
  const pendingShown = useMemo(() => items.filter((a) => a.status === "pending"), [items]);
  const allShownChecked = pendingShown.length > 0 && pendingShown.every((a) => checked.has(a.id));
  const toggleChecked = (id: string) =>
    setChecked((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const toggleAllShown = () => setChecked(allShownChecked ? new Set() : new Set(pendingShown.map((a) => a.id)));

  useInboxKeyboard({ items, activeId, activeItem, select, arm: setArmed });

  const onDecided = (approval: Approval, decision: Decision) => {
    // Show the vote at once; the refetch (and the event it causes) confirm it.
    const ended = approval.status !== "pending";
    queryClient.setQueriesData<InfiniteData<ApprovalPage>>({ queryKey: approvalKeys.lists(orgSlug, "pending") }, (data) =>
      data
        ? {
            ...data,
            pages: data.pages.map((page) => ({
              ...page,
              approvals: ended ? page.approvals.filter((a) => a.id !== approval.id) : page.approvals.map((a) => (a.id === approval.id ? approval : a)),
            })),
          }
        : data,
    );
    queryClient.setQueryData(approvalKeys.detail(orgSlug, approval.id), approval);
    void queryClient.invalidateQueries({ queryKey: approvalKeys.all(orgSlug) });

    const verb = decision === "approve" ? "Approved" : "Denied";
    const progress = ended ? "" : ` (${approval.approvals} of ${approval.quorum} approvals; it waits for another approver)`;
    setFlash(`${verb} ${approval.actionType} for ${approval.agentName}${progress}.`);
    const index = items.findIndex((a) => a.id === approval.id);
    const neighbour = index === -1 ? undefined : (items[index + 1] ?? items[index - 1]);
    select(ended ? (neighbour?.id ?? null) : (neighbour?.id ?? approval.id));
  };

  const onBulkDone = (summary: BulkOutcomeSummary) => {
    // The ones that ended leave the pending list at once; the refetch confirms the rest.
    const ended = new Set(summary.items.filter((i) => i.status && i.status !== "pending").map((i) => i.approvalId));
    queryClient.setQueriesData<InfiniteData<ApprovalPage>>({ queryKey: approvalKeys.lists(orgSlug, "pending") }, (data) =>
      data ? { ...data, pages: data.pages.map((page) => ({ ...page, approvals: page.approvals.filter((a) => !ended.has(a.id)) })) } : data,
    );
    void queryClient.invalidateQueries({ queryKey: approvalKeys.all(orgSlug) });
    setChecked(new Set());
    setFlash(null);
    setBulkSummary(summary);
    if (activeId && ended.has(activeId)) select(null);
  };

  return (
    <section aria-labelledby="approvals-heading">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 id="approvals-heading" className="text-2xl font-semibold tracking-tight">
            Approvals
          </h1>
          <p className="mt-1 max-w-2xl text-sm text-stone-600">
            Actions your policies hold for a person. The agent waiting in <code className="font-mono text-xs">gate()</code> goes ahead the moment the approval reaches its quorum,
            and stops at the first deny.
          </p>
        </div>
        <LiveIndicator status={live} />
      </div>

      <div className="mt-6 flex flex-wrap items-end justify-between gap-4 border-b border-stone-200">
        <div role="tablist" aria-label="Approvals" className="flex gap-4">
          {INBOX_TABS.map(({ value, label }) => (
            <button
              key={value}
              type="button"
              role="tab"
              id={`approvals-tab-${value}`}
              aria-selected={tab === value}
              aria-controls="approvals-panel"
              onClick={() => view.setTab(value)}
              className={`-mb-px border-b-2 px-1 pb-2 text-sm font-medium ${
                tab === value ? "border-stone-900 text-stone-900" : "border-transparent text-stone-500 hover:text-stone-800"
              }`}
            >
              {label}
            </button>
          ))}
        </div>
        <div className="flex flex-wrap items-end gap-3 pb-2 text-sm">
          <label className="flex flex-col gap-1">
            <span className="text-xs font-medium text-stone-500">Agent</span>
            <select value={view.agentId} onChange={(event) => view.setAgentId(event.target.value)} className="rounded-md border border-stone-300 bg-white py-1 pl-2 pr-7">
              <AgentOptions agents={agents} />
            </select>
          </label>
          <FilterField
            label="Action type"
            value={view.actionType}
            onChange={view.setActionType}
            options={actionTypes}
            listId="approval-action-types"
            placeholder="e.g. pr.merge"
            width="w-40"
          />
          <label className="flex flex-col gap-1">
            <span className="text-xs font-medium text-stone-500">Sort</span>
            <select value={sort} onChange={(event) => view.setSort(event.target.value)} className="rounded-md border border-stone-300 bg-white py-1 pl-2 pr-7">
              {APPROVAL_SORTS.map(({ value, label }) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </label>
        </div>
      </div>

      {flash ? (
        <div role="status" className="mt-4 flex items-center justify-between gap-3 rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-2.5 text-sm text-emerald-900">
          <span data-testid="decision-flash">{flash}</span>
          <Button size="xs" variant="link" onClick={() => setFlash(null)}>
            Dismiss
          </Button>
        </div>
      ) : null}

      {bulkSummary ? <BulkResults summary={bulkSummary} onDismiss={() => setBulkSummary(null)} /> : null}

      <PagedRefreshError what="approvals" verb="refresh" query={query} />

      <div role="tabpanel" id="approvals-panel" aria-labelledby={`approvals-tab-${tab}`} className="mt-6 grid items-start gap-6 lg:grid-cols-[minmax(0,2fr)_minmax(0,3fr)]">
        <div>
          {query.isPending ? (
            <ListSkeleton />
          ) : query.isError && !query.data ? (
            <LoadError what="Approvals" error={query.error} onRetry={() => void query.refetch()} />
          ) : items.length === 0 ? (
            <EmptyState tab={tab} filtered={filtered} onClear={view.clear} />
          ) : (
            <>
              {bulkable ? (
                <BulkDecisionBar
                  orgSlug={orgSlug}
                  selected={checkedItems}
                  visibleCount={pendingShown.length}
                  allVisibleSelected={allShownChecked}
                  onToggleAll={toggleAllShown}
                  onClear={() => setChecked(new Set())}
                  onDone={onBulkDone}
                />
              ) : null}
              <ul
                aria-label={tab === "pending" ? "Pending approvals" : "Decided approvals"}
                className="divide-y divide-stone-100 overflow-hidden rounded-xl border border-stone-200 bg-white shadow-xs"
              >
                {items.map((approval) => (
                  <li key={approval.id} className="flex items-stretch">
                    {bulkable && approval.status === "pending" ? (
                      <label className="flex items-center pl-3" title="Select for a bulk decision">
                        <input
                          type="checkbox"
                          data-testid="approval-check"
                          aria-label={`Select ${approval.actionType} for ${approval.agentName}`}
                          checked={checked.has(approval.id)}
                          onChange={() => toggleChecked(approval.id)}
                        />
                      </label>
                    ) : null}
                    <div className="min-w-0 flex-1">
                      <ApprovalRow approval={approval} now={now} selected={approval.id === activeId} onSelect={() => select(approval.id)} />
                    </div>
                  </li>
                ))}
              </ul>
              <div className="mt-3 flex items-center justify-between text-xs text-stone-500">
                <span>
                  {items.length} {items.length === 1 ? "approval" : "approvals"}
                  {query.hasNextPage && sort !== "newest" ? " loaded (sorted among these)" : ""}
                </span>
                <LoadMoreButton query={query} compact />
              </div>
            </>
          )}
          <ShortcutLegend />
        </div>

        <div>
          {activeId ? (
            <ApprovalDetail
              key={activeId}
              orgSlug={orgSlug}
              approvalId={activeId}
              listed={activeItem}
              listedAt={query.dataUpdatedAt}
              now={now}
              armed={armed}
              onArm={setArmed}
              onDecided={onDecided}
              reasonRef={reasonRef}
            />
          ) : null}
        </div>
      </div>
    </section>
  );
}

function ApprovalRow({ approval, now, selected, onSelect }: { approval: Approval; now: number; selected: boolean; onSelect: () => void }) {
  const pending = approval.status === "pending";
  // Who asks (metadata.requestedBy, on whose behalf the agent acts) and what about, so rows of one action type tell apart.
  const digest = metadataDigest(approval.metadata, { omit: ["requestedBy"] });
  return (
    <button
      type="button"
      data-testid="approval-row"
      data-approval-id={approval.id}
      aria-current={selected ? "true" : undefined}
      onClick={onSelect}
      className={`block w-full px-4 py-3 text-left ${selected ? "bg-stone-100 shadow-[inset_3px_0_0_var(--color-stone-900)]" : "hover:bg-stone-50"}`}
    >
      <span className="flex items-center justify-between gap-3">
        <span data-testid="approval-action-type" className="truncate font-mono text-sm text-stone-900">
          {approval.actionType}
        </span>
        {pending ? (
          <span
            data-testid="approval-expires"
            title={`Expires ${formatDateTime(approval.expiresAt)}`}
            className={`shrink-0 text-xs tabular-nums ${Date.parse(approval.expiresAt) - now < 5 * 60_000 ? "font-medium text-red-700" : "text-stone-500"}`}
          >
            expires {expiresIn(approval, now)}
          </span>
        ) : (
          <ApprovalStatusBadge status={approval.status} />
        )}
      </span>
      {digest ? (
        <span data-testid="approval-digest" title={digest} className="mt-0.5 block truncate font-mono text-xs text-stone-600">
          {digest}
        </span>
      ) : null}
      <span className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-stone-500">
        <span data-testid="approval-requester" className="text-stone-700">
          {approval.requestedBy ? (
            <>
              <span className="font-medium">{approval.requestedBy}</span> via <span data-testid="approval-agent">{approval.agentName}</span>
            </>
          ) : (
            <span data-testid="approval-agent" className="font-medium">
              {approval.agentName}
            </span>
          )}
          {approval.delegation && approval.delegation.chain.length > 1 ? (
            <span data-testid="approval-chain">, delegated by {delegatedByText(approval.delegation.chain)}</span>
          ) : null}
        </span>
        <span title={formatDateTime(approval.createdAt)}>{formatSpan(now - Date.parse(approval.createdAt))} ago</span>
        <span data-testid="approval-quorum" className="tabular-nums">
          {approval.approvals}/{approval.quorum} approvals
        </span>
      </span>
    </button>
  );
}

function LiveIndicator({ status }: { status: LiveStatus }) {
  const [dot, text] =
    status === "live" ? ["bg-emerald-500", "Live"] : status === "connecting" ? ["bg-amber-400 animate-pulse", "Connecting…"] : ["bg-stone-400", "Offline, refreshing every 15 s"];
  return (
    <span role="status" data-testid="live-status" data-status={status} className="inline-flex items-center gap-2 text-xs text-stone-600">
      <span aria-hidden="true" className={`size-2 rounded-full ${dot}`} />
      {text}
    </span>
  );
}

function ShortcutLegend() {
  const keys: Array<[string[], string]> = [
    [["j", "k"], "next / previous"],
    [["a"], "approve"],
    [["d"], "deny"],
    [["Enter"], "confirm"],
    [["Esc"], "cancel"],
  ];
  return (
    <section aria-label="Keyboard shortcuts" className="mt-4 text-xs text-stone-500">
      <ul className="flex flex-wrap gap-x-4 gap-y-1">
        {keys.map(([combo, what]) => (
          <li key={what} className="inline-flex items-center gap-1">
            {combo.map((key, i) => (
              <span key={key} className="inline-flex items-center gap-1">
                {i > 0 ? <span aria-hidden="true">/</span> : null}
                <kbd className="rounded border border-stone-300 bg-white px-1 font-mono text-[0.7rem] text-stone-700">{key}</kbd>
              </span>
            ))}
            <span>{what}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function EmptyState({ tab, filtered, onClear }: { tab: InboxTab; filtered: boolean; onClear: () => void }) {
  return (
    <div className="rounded-xl border border-dashed border-stone-300 bg-white px-6 py-12 text-center">
      <h2 className="text-base font-semibold">{filtered ? "No approvals match these filters" : tab === "pending" ? "No approvals waiting" : "No decided approvals yet"}</h2>
      <p className="mx-auto mt-1 max-w-sm text-sm text-stone-600">
        {filtered
          ? "Try another agent or action type."
          : tab === "pending"
            ? "When a policy asks for a person, the request appears here at once."
            : "Approvals that were approved, denied, expired or cancelled are listed here."}
      </p>
      {filtered ? (
        <Button variant="link" onClick={onClear} className="mt-4">
          Clear filters
        </Button>
      ) : null}
    </div>
  );
}

function ListSkeleton() {
  return (
    <div aria-busy="true" className="overflow-hidden rounded-xl border border-stone-200 bg-white">
      {Array.from({ length: 4 }, (_, i) => (
        <div key={i} className="border-b border-stone-100 px-4 py-3.5 last:border-0">
          <div className="h-4 w-32 animate-pulse rounded bg-stone-100" />
          <div className="mt-2 h-3 w-48 animate-pulse rounded bg-stone-100" />
        </div>
      ))}
      <span className="sr-only">Loading approvals…</span>
    </div>
  );
}

/** The current time, ticking every second after hydration (the server's time until then). */
function useNow(initial: number): number {
  const [now, setNow] = useState(initial);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

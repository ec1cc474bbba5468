"use client";

import { AgentOptions } from "@/components/agent-options";
import { useInfiniteQuery } from "@tanstack/react-query";
import { Fragment, useEffect, useMemo, useState } from "react";
import { replaceSearchParams } from "@/lib/address-bar";
import { fetchAuditPage } from "@/lib/api-client";
import { AUDIT_FILTER_KEYS, AUDIT_PAGE_SIZE, auditKeys, isoToUtcInput, summarize, utcInputToIso, type AuditEntry, type AuditFilters, type AuditPage } from "@/lib/audit";
import { entryActor, entryResult, type ActorDirectory, type EntryResult, type Tone } from "@/lib/audit-entry";
import { Button } from "@/components/button";
import { Identifier } from "@/components/identifier";
import { EntryDetail } from "./entry-detail";
import { ErasePanel, type ErasureTarget } from "./erase-panel";
import { erasableFieldsOf } from "@/lib/erasure";
import { DenialReason } from "@/components/denial-reason";
import { EmptyBox, LoadError, LoadMoreButton, PagedRefreshError, RowsSkeleton } from "@/components/panel-states";
import { countOf, formatDateTime } from "@/lib/format";
import { itemsOfPages } from "@/lib/pages";
import { useDebounced } from "@/lib/use-debounced";
import { FilterField } from "@/components/filter-field";

export interface AgentOption {
  id: string;
  name: string;
}

interface AuditLogProps {
  orgSlug: string;
  /** The filters the first page was rendered with (from the URL). */
  filters: AuditFilters;
  agents: AgentOption[];
  initialPage: AuditPage;
  renderedAt: number;
  apiUrl: string | null;
  /** Members by membership id (email or name), for the Actor column. */
  members: ReadonlyArray<{ id: string; label: string }>;
  /** The entry shown open first (`?entry=` in the URL). */
  initialOpen?: string | null;
  /** Whether the member holds audit.erase (owners): the erasure controls are shown. */
  canErase?: boolean;
}

/** The Entries section: the log newest first, filtered by type, action type, agent and time, paged by sequence number. */
export function AuditLog({ orgSlug, filters: initialFilters, agents, initialPage, renderedAt, apiUrl, members, initialOpen = null, canErase = false }: AuditLogProps) {
  const [agentId, setAgentId] = useState(initialFilters.agentId ?? "");
  const [typeInput, setTypeInput] = useState(initialFilters.type ?? "");
  const type = useDebounced(typeInput.trim(), 300);
  const [actionTypeInput, setActionTypeInput] = useState(initialFilters.actionType ?? "");
  const actionType = useDebounced(actionTypeInput.trim(), 300);
  // The time range as the inputs hold it (UTC, "2026-11-23T04:05"); a partly typed time is not sent.
  const [fromInput, setFromInput] = useState(isoToUtcInput(initialFilters.from));
  const [toInput, setToInput] = useState(isoToUtcInput(initialFilters.to));
  const [open, setOpen] = useState<string | null>(initialOpen);
  // The erasure panel, opened on a subject or on entries; `key` starts it afresh each time it is opened.
  const [erasing, setErasing] = useState<{ key: number; initial: ErasureTarget } | null>(null);

  const from = utcInputToIso(fromInput);
  const to = utcInputToIso(toInput);
  const filters = useMemo<AuditFilters>(
    () => ({ ...(type ? { type } : {}), ...(actionType ? { actionType } : {}), ...(agentId ? { agentId } : {}), ...(from ? { from } : {}), ...(to ? { to } : {}) }),
    [type, actionType, agentId, from, to],
  );
  const filtered = AUDIT_FILTER_KEYS.some((key) => filters[key]);
  const rendered = AUDIT_FILTER_KEYS.every((key) => (filters[key] ?? "") === (initialFilters[key] ?? ""));

  useEffect(() => {
    replaceSearchParams(Object.fromEntries(AUDIT_FILTER_KEYS.map((key) => [key, filters[key]])));
  }, [filters]);

  const query = useInfiniteQuery({
    queryKey: auditKeys.entries(orgSlug, filters),
    queryFn: ({ pageParam, signal }) => fetchAuditPage(orgSlug, { ...filters, cursor: pageParam, limit: AUDIT_PAGE_SIZE }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    initialData: () => (rendered ? { pages: [initialPage], pageParams: [null] } : undefined),
    initialDataUpdatedAt: renderedAt,
    refetchOnWindowFocus: true,
  });

  const entries = useMemo(
    () =>
      itemsOfPages(
        query.data?.pages,
        (page) => page.events,
        (entry) => entry.id,
      ),
    [query.data],
  );
  const types = useMemo(() => [...new Set(entries.map((entry) => entry.type))].sort(), [entries]);
  const actionTypes = useMemo(() => [...new Set(entries.flatMap((entry) => summarize(entry).actionType ?? []))].sort(), [entries]);
  const agentNames = useMemo(() => new Map(agents.map((agent) => [agent.id, agent.name])), [agents]);
  const directory = useMemo<ActorDirectory>(() => ({ agents: agentNames, members: new Map(members.map((member) => [member.id, member.label])) }), [agentNames, members]);
  const refreshing = query.isRefetching && !query.isFetchingNextPage;

  const clear = () => {
    setAgentId("");
    setTypeInput("");
    setActionTypeInput("");
    setFromInput("");
    setToInput("");
  };

  /** Opens the erasure on the entry open in the table when it still holds committed values, else on a subject. */
  const startErasure = (entryId?: string) => {
    const current = entryId ?? (open ? entries.find((entry) => entry.id === open && erasableFieldsOf(entry).length > 0)?.id : undefined);
    setErasing((previous) => ({ key: (previous?.key ?? 0) + 1, initial: current ? { target: "entries", entryIds: current } : { target: "subject" } }));
  };

  /** The erasure's own entry: the log filtered to erasures, that entry open. */
  const showEntry = (entryId: string) => {
    clear();
    setTypeInput("audit.erased");
    setOpen(entryId);
  };

  return (
    <div>
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div className="flex flex-wrap items-end gap-3 text-sm">
          <label className="flex flex-col gap-1">
            <span className="text-xs font-medium text-stone-500">Agent</span>
            <select value={agentId} onChange={(event) => setAgentId(event.target.value)} className="rounded-md border border-stone-300 bg-white py-1 pl-2 pr-7">
              <AgentOptions agents={agents} selected={agentId} />
            </select>
          </label>
          <FilterField label="Event type" value={typeInput} onChange={setTypeInput} options={types} listId="audit-entry-types" placeholder="e.g. action.decided" width="w-48" />
          <FilterField
            label="Action type"
            value={actionTypeInput}
            onChange={setActionTypeInput}
            options={actionTypes}
            listId="audit-action-types"
            placeholder="e.g. deploy.production"
            width="w-44"
          />
          <label className="flex flex-col gap-1">
            <span className="text-xs font-medium text-stone-500">From (UTC)</span>
            <input
              type="datetime-local"
              value={fromInput}
              max={toInput || undefined}
              onChange={(event) => setFromInput(event.target.value)}
              className="rounded-md border border-stone-300 bg-white px-2 py-1 text-xs"
            />
          </label>
          <label className="flex flex-col gap-1">
            <span className="text-xs font-medium text-stone-500">To (UTC)</span>
            <input
              type="datetime-local"
              value={toInput}
              min={fromInput || undefined}
              onChange={(event) => setToInput(event.target.value)}
              className="rounded-md border border-stone-300 bg-white px-2 py-1 text-xs"
            />
          </label>
          {filtered ? (
            <Button variant="link" onClick={clear} className="pb-1">
              Clear filters
            </Button>
          ) : null}
        </div>
        <div className="flex flex-wrap items-center gap-2">
          {canErase ? (
            <Button onClick={() => startErasure()} aria-expanded={erasing !== null} aria-controls="erase-panel">
              Erase personal data…
            </Button>
          ) : null}
          <Button onClick={() => void query.refetch()} disabled={query.isFetching}>
            <RefreshIcon spinning={refreshing} />
            {refreshing ? "Refreshing…" : "Refresh"}
          </Button>
        </div>
      </div>

      {canErase && erasing ? (
        <div id="erase-panel">
          <ErasePanel key={erasing.key} orgSlug={orgSlug} initial={erasing.initial} onClose={() => setErasing(null)} onShowEntry={showEntry} />
        </div>
      ) : null}

      <PagedRefreshError what="the latest entries" query={query} />

      <div className="mt-5">
        {query.isPending ? (
          <RowsSkeleton label="Loading audit entries…" />
        ) : query.isError && !query.data ? (
          <LoadError what="The audit log" error={query.error} onRetry={() => void query.refetch()} />
        ) : entries.length === 0 ? (
          filtered ? (
            <EmptyBox title="No entries match these filters">
              <Button variant="link" onClick={clear}>
                Show the whole log
              </Button>
            </EmptyBox>
          ) : (
            <NoEntriesYet apiUrl={apiUrl} />
          )
        ) : (
          <>
            <AuditTable
              orgSlug={orgSlug}
              entries={entries}
              agentNames={agentNames}
              directory={directory}
              open={open}
              onToggle={(id) => setOpen(open === id ? null : id)}
              onFilterType={setTypeInput}
              onFilterActionType={setActionTypeInput}
              onFilterAgent={setAgentId}
              onErase={canErase ? startErasure : undefined}
            />
            <div className="mt-4 flex items-center justify-between text-sm text-stone-500">
              <span>{countOf(entries.length, "entry", "entries")} shown</span>
              {query.hasNextPage ? <LoadMoreButton query={query} /> : <span>Beginning of the log</span>}
            </div>
          </>
        )}
      </div>
    </div>
  );
}

interface AuditTableProps {
  orgSlug: string;
  entries: AuditEntry[];
  agentNames: ReadonlyMap<string, string>;
  directory: ActorDirectory;
  open: string | null;
  onToggle: (entryId: string) => void;
  onFilterType: (type: string) => void;
  onFilterActionType: (actionType: string) => void;
  onFilterAgent: (agentId: string) => void;
  /** Owners: opens the erasure of one entry's committed fields. */
  onErase?: (entryId: string) => void;
}

function AuditTable({ orgSlug, entries, agentNames, directory, open, onToggle, onFilterType, onFilterActionType, onFilterAgent, onErase }: AuditTableProps) {
  return (
    // `relative`: what is positioned inside (the buttons' screen-reader text) scrolls with the table, never
    // past the page's edge. Long types and names wrap, so the table fits a 1280 px window.
    <div className="relative overflow-x-auto rounded-xl border border-stone-200 bg-white shadow-xs">
      <table className="w-full min-w-[48rem] text-left text-sm">
        <thead className="border-b border-stone-200 bg-stone-50/80 text-xs font-medium uppercase tracking-wide text-stone-500">
          <tr>
            <th scope="col" className="px-3 py-2.5 text-right">
              Seq
            </th>
            <th scope="col" className="px-3 py-2.5">
              Time
            </th>
            <th scope="col" className="px-3 py-2.5">
              Event
            </th>
            <th scope="col" className="px-3 py-2.5">
              Actor
            </th>
            <th scope="col" className="px-3 py-2.5">
              Agent
            </th>
            <th scope="col" className="px-3 py-2.5">
              Action
            </th>
            <th scope="col" className="px-3 py-2.5">
              Result
            </th>
            <th scope="col" className="px-3 py-2.5">
              Policy
            </th>
            <th scope="col" className="px-3 py-2.5">
              <span className="sr-only">Details</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-stone-100">
          {entries.map((entry) => {
            const summary = summarize(entry);
            const expanded = open === entry.id;
            const entryAgentId = entry.agentId;
            const agentName = (entryAgentId ? agentNames.get(entryAgentId) : undefined) ?? summary.agentName ?? null;
            const actor = entryActor(entry, directory);
            const result = entryResult(entry);
            return (
              <Fragment key={entry.id}>
                <tr data-testid="audit-row" data-entry-id={entry.id} data-seq={entry.seq} className={`align-top ${expanded ? "bg-stone-50" : "hover:bg-stone-50/60"}`}>
                  <td className="px-3 py-3 text-right font-mono tabular-nums text-stone-500">{entry.seq}</td>
                  <td data-testid="entry-time" className="px-3 py-3 text-xs whitespace-nowrap text-stone-700 tabular-nums">
                    {/* Date over time: the column takes half the width of one line. */}
                    <time dateTime={entry.createdAt} title={formatDateTime(entry.createdAt)} className="flex flex-col">
                      {formatDateTime(entry.createdAt)
                        .split(", ")
                        .map((part) => (
                          <span key={part}>{part}</span>
                        ))}
                    </time>
                  </td>
                  <td className="px-3 py-3">
                    <button
                      type="button"
                      onClick={() => onFilterType(entry.type)}
                      title={`Show only ${entry.type} entries`}
                      className="text-left font-mono text-xs break-words text-stone-700 hover:underline"
                    >
                      <Identifier text={entry.type} />
                    </button>
                  </td>
                  <td data-testid="actor" data-actor-kind={actor.kind} title={actor.detail} className="max-w-48 truncate px-3 py-3 text-stone-800">
                    {/* The agent acting for itself is named once, in the Agent column. */}
                    {actor.kind === "agent" && entry.actorId === entryAgentId && actor.label === agentName ? (
                      <span className="text-stone-500">the agent</span>
                    ) : actor.kind === "system" || actor.kind === "adminKey" ? (
                      <span className="text-stone-600">{actor.label}</span>
                    ) : (
                      actor.label
                    )}
                  </td>
                  <td className="px-3 py-3">
                    {entryAgentId ? (
                      <button
                        type="button"
                        onClick={() => onFilterAgent(entryAgentId)}
                        title={`Show only entries of ${entryAgentId}`}
                        className="text-left text-stone-800 hover:underline"
                      >
                        {agentName ?? <span className="font-mono text-xs">{entryAgentId}</span>}
                      </button>
                    ) : (
                      <span className="text-stone-400">—</span>
                    )}
                  </td>
                  <td data-testid="action-type" className="px-3 py-3 font-mono text-xs break-words text-stone-800">
                    {summary.actionType ? (
                      <button
                        type="button"
                        onClick={() => onFilterActionType(summary.actionType ?? "")}
                        title={`Show only entries about ${summary.actionType}`}
                        className="text-left hover:underline"
                      >
                        <Identifier text={summary.actionType} />
                      </button>
                    ) : (
                      <span className="font-sans text-sm text-stone-400">—</span>
                    )}
                  </td>
                  <td data-testid="decision-status" className="px-3 py-3">
                    {result ? <ResultBadge result={result} /> : <span className="text-stone-400">—</span>}
                  </td>
                  <td data-testid="policy" className="px-3 py-3">
                    <div className="break-words text-stone-800">
                      {summary.policyName ? <Identifier text={summary.policyName} /> : <span className="text-stone-400">—</span>}
                      {summary.policyVersion !== null ? <span className="ml-1.5 text-xs text-stone-400">v{summary.policyVersion}</span> : null}
                      {summary.mode === "monitor" ? <span className="ml-1.5 rounded bg-sky-50 px-1.5 py-0.5 text-xs text-sky-800">monitor</span> : null}
                    </div>
                    {summary.denialReason ? (
                      <div className="mt-0.5 font-mono text-xs break-words text-red-700">
                        <DenialReason code={summary.denialReason} compact />
                      </div>
                    ) : null}
                  </td>
                  <td className="px-3 py-3 text-right">
                    <Button size="xs" variant="ghost" aria-expanded={expanded} aria-controls={`entry-${entry.id}`} onClick={() => onToggle(entry.id)}>
                      {expanded ? "Hide" : "Details"}
                      <span className="sr-only"> of entry {entry.seq}</span>
                    </Button>
                  </td>
                </tr>
                {expanded ? (
                  <tr id={`entry-${entry.id}`} className="bg-stone-50">
                    <td colSpan={9} className="px-3 pb-5 pt-1">
                      {/* Sized by the table, never sizing it: a long hash or signed note scrolls or wraps inside. */}
                      <div className="[contain:inline-size]">
                        <EntryDetail orgSlug={orgSlug} entry={entry} agentName={agentName} actor={actor} onErase={onErase} />
                      </div>
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

const TONE_STYLES: Record<Tone, string> = {
  good: "bg-emerald-50 text-emerald-800 ring-emerald-600/20",
  waiting: "bg-amber-50 text-amber-800 ring-amber-600/20",
  bad: "bg-red-50 text-red-800 ring-red-600/20",
  neutral: "bg-stone-100 text-stone-700 ring-stone-500/20",
};

function ResultBadge({ result }: { result: EntryResult }) {
  return (
    <span title={result.hint} className={`inline-flex items-center whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${TONE_STYLES[result.tone]}`}>
      {result.label}
    </span>
  );
}

function NoEntriesYet({ apiUrl }: { apiUrl: string | null }) {
  const snippet = [
    `import { Gatehouse } from "@gatehouse/sdk";`,
    ``,
    `// GATEHOUSE_API_KEY: the agent's key (gh_agent_…); \`npm start\` prints the demo agent's.`,
    `const gatehouse = new Gatehouse({ apiKey: process.env.GATEHOUSE_API_KEY!${apiUrl ? `, baseUrl: "${apiUrl}"` : ""} });`,
    `await gatehouse.execute("pr.open", { metadata: { repo: "acme/web" } });`,
  ].join("\n");
  return (
    <div className="rounded-xl border border-dashed border-stone-300 bg-white px-6 py-12 text-center">
      <h2 className="text-base font-semibold">No audit entries yet</h2>
      <p className="mx-auto mt-1 max-w-md text-sm text-stone-600">
        Each time an agent asks Gatehouse before it acts, the decision is written here. Ask from an agent with its API key
        {apiUrl ? (
          <>
            {" "}
            against <code className="font-mono text-xs">{apiUrl}</code>
          </>
        ) : null}
        , then refresh.
      </p>
      <pre className="mx-auto mt-6 max-w-2xl overflow-x-auto rounded-lg bg-stone-900 p-4 text-left font-mono text-xs leading-relaxed text-stone-100">{snippet}</pre>
    </div>
  );
}

function RefreshIcon({ spinning }: { spinning: boolean }) {
  return (
    <svg aria-hidden="true" viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth="1.6" className={`size-4 ${spinning ? "animate-spin" : ""}`}>
      <path d="M16.5 10a6.5 6.5 0 1 1-1.9-4.6" strokeLinecap="round" />
      <path d="M16.5 3.5v3.5H13" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

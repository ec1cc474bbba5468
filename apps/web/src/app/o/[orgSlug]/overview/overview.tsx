"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { useLiveEventListener, useLiveStatus } from "@/components/live-events";
import { LoadError, RefreshErrorBanner } from "@/components/panel-states";
import { replaceSearchParams } from "@/lib/address-bar";
import { countOf } from "@/lib/format";
import { fetchOverview, fetchPosture, OVERVIEW_RANGES, overviewKeys, RANGE_LABELS, type OverviewRange } from "@/lib/overview";
import { ActivityFeed } from "./activity-feed";
import { GovernanceHealthPanel } from "./governance-health-panel";
import { ApprovalTimesChart, DecisionsChart, PostureTrendChart } from "./charts";
import { AgentPresence, PendingApprovals, PosturePanel, TopDenied } from "./panels";

/** How long after an event the overview keeps asking until the rollups have counted it, and how often. */
const CATCH_UP_MS = 30_000;
const CATCH_UP_POLL_MS = 2_000;

/**
 * The org home once onboarding is done: the posture (score, components, findings) and, for the range
 * chosen, decisions over time, approval times, top denials, pending approvals and the posture trend.
 * Both queries are refetched by LiveEvents when decisions or approvals arrive (no polling while live).
 */
export function Overview({
  orgSlug,
  initialRange,
  readsApprovals,
  readsGovernanceHealth,
  ssoAvailable,
}: {
  orgSlug: string;
  initialRange: OverviewRange;
  readsApprovals: boolean;
  /** Whether the member's role holds audit.verify, which the governance health needs. */
  readsGovernanceHealth: boolean;
  /** Whether this console has a single sign-on provider: without one, SSO cannot be required here. */
  ssoAvailable: boolean;
}) {
  const live = useLiveStatus();
  const [range, setRange] = useState<OverviewRange>(initialRange);
  // LiveEvents refetches both queries when a decision or an approval arrives. The overview counts from
  // the rollups, which a job brings up to date every few seconds, so the refetch can come too early:
  // until the overview has counted up to the newest event heard (rolledUpTo), it is asked again.
  const [heard, setHeard] = useState<{ at: number; receivedAt: number } | null>(null);
  useLiveEventListener((event) => {
    const at = Date.parse(event.at);
    if (!Number.isNaN(at)) setHeard((current) => (current && current.at >= at ? current : { at, receivedAt: Date.now() }));
  });
  // While the stream is down, the numbers are refreshed every minute instead.
  const refetchInterval = live === "live" ? false : 60_000;
  const posture = useQuery({ queryKey: overviewKeys.posture(orgSlug), queryFn: ({ signal }) => fetchPosture(orgSlug, signal), refetchInterval });
  const overview = useQuery({
    queryKey: overviewKeys.overview(orgSlug, range),
    queryFn: ({ signal }) => fetchOverview(orgSlug, range, signal),
    placeholderData: keepPreviousData,
    refetchInterval: (query) => {
      const rolledUpTo = query.state.data?.rolledUpTo ? Date.parse(query.state.data.rolledUpTo) : null;
      const behind = heard !== null && (rolledUpTo === null || rolledUpTo < heard.at) && Date.now() - heard.receivedAt < CATCH_UP_MS;
      return behind ? CATCH_UP_POLL_MS : refetchInterval;
    },
  });
  const choose = (next: OverviewRange) => {
    setRange(next);
    replaceSearchParams({ range: next === "24h" ? undefined : next });
  };
  const data = overview.data;
  const retryOverview = () => void overview.refetch();

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-xl font-semibold">Overview</h1>
          <p className="mt-1 text-sm text-stone-600">How the org&apos;s agents are governed, and what they have been doing.</p>
        </div>
        <RangeSwitcher range={range} onChange={choose} pending={overview.isPlaceholderData} />
      </div>

      <div className="grid gap-6 lg:grid-cols-3">
        <Panel title="Posture" testId="posture-panel" className="lg:col-span-2">
          {posture.data ? (
            <>
              <PosturePanel orgSlug={orgSlug} posture={posture.data} ssoAvailable={ssoAvailable} />
              {posture.isRefetchError ? <RefreshErrorBanner what="the posture" error={posture.error} onRetry={() => void posture.refetch()} /> : null}
            </>
          ) : posture.error ? (
            <LoadError compact what="The posture" error={posture.error} onRetry={() => void posture.refetch()} />
          ) : (
            <Skeleton label="Loading the posture" height="h-64" />
          )}
        </Panel>
        <Panel title="Posture trend" subtitle="Daily snapshots, last 30 days" testId="posture-trend">
          {data ? (
            <PostureTrendChart points={data.postureTrend} />
          ) : overview.error ? (
            <LoadError compact what="The posture trend" error={overview.error} onRetry={retryOverview} />
          ) : (
            <Skeleton label="Loading the posture trend" height="h-56" />
          )}
        </Panel>
      </div>

      {readsGovernanceHealth ? (
        <Panel title="Governance health" subtitle="What to check first when on call" testId="governance-health">
          <GovernanceHealthPanel orgSlug={orgSlug} />
        </Panel>
      ) : null}

      {data && overview.isRefetchError ? <RefreshErrorBanner what="the overview" error={overview.error} onRetry={retryOverview} /> : null}

      <Panel title="Decisions" subtitle={`Last ${RANGE_LABELS[range]}`} testId="decisions-panel">
        {data ? (
          <DecisionsChart overview={data} />
        ) : overview.error ? (
          <LoadError compact what="Decisions" error={overview.error} onRetry={retryOverview} />
        ) : (
          <Skeleton label="Loading decisions" height="h-72" />
        )}
      </Panel>

      <div className="grid gap-6 lg:grid-cols-2">
        <Panel title="Approval time to decision" subtitle={`Last ${RANGE_LABELS[range]}`} testId="approval-times">
          {data ? (
            <ApprovalTimesChart times={data.approvalTimes} />
          ) : overview.error ? (
            <LoadError compact what="Approval times" error={overview.error} onRetry={retryOverview} />
          ) : (
            <Skeleton label="Loading approval times" height="h-56" />
          )}
        </Panel>
        <Panel title="Top denials" subtitle={`Last ${RANGE_LABELS[range]}`} testId="top-denied">
          {data ? (
            <TopDenied orgSlug={orgSlug} actionTypes={data.topDeniedActionTypes} agents={data.topDeniedAgents} />
          ) : overview.error ? (
            <LoadError compact what="Top denials" error={overview.error} onRetry={retryOverview} />
          ) : (
            <Skeleton label="Loading top denials" height="h-56" />
          )}
        </Panel>
      </div>

      <div className="grid gap-6 lg:grid-cols-2">
        {readsApprovals ? (
          <Panel title="Pending approvals" testId="pending-approvals">
            {data ? (
              data.pendingApprovals ? (
                <PendingApprovals orgSlug={orgSlug} pending={data.pendingApprovals} />
              ) : (
                <p className="text-sm text-stone-500">Your role does not read approvals.</p>
              )
            ) : overview.error ? (
              <LoadError compact what="Pending approvals" error={overview.error} onRetry={retryOverview} />
            ) : (
              <Skeleton label="Loading pending approvals" height="h-40" />
            )}
          </Panel>
        ) : (
          <p data-testid="pending-approvals-note" className="rounded-xl border border-dashed border-stone-300 bg-white px-4 py-3 text-sm text-stone-500">
            Pending approvals are shown to the roles that read approvals.
          </p>
        )}
        <Panel title="Live activity" subtitle={live === "live" ? "Newest first, as it happens" : "Reconnecting to live updates…"} testId="activity-feed">
          <ActivityFeed orgSlug={orgSlug} />
        </Panel>
      </div>
      <Panel title="Agents" subtitle="Whether each is there now: calls and heartbeats" testId="agent-presence">
        {data ? (
          <AgentPresence orgSlug={orgSlug} presence={data.presence} />
        ) : overview.error ? (
          <LoadError compact what="Agents" error={overview.error} onRetry={retryOverview} />
        ) : (
          <Skeleton label="Loading the agents' presence" height="h-16" />
        )}
      </Panel>
      {data ? (
        <p className="text-xs text-stone-500">
          {countOf(data.totals.decisions, "decision")} in the last {RANGE_LABELS[range]}.{" "}
          {data.rolledUpTo ? "Counted from the audit log up to the newest entry the rollups have reached." : "Nothing has been counted yet."}
        </p>
      ) : null}
    </div>
  );
}

function RangeSwitcher({ range, onChange, pending }: { range: OverviewRange; onChange: (range: OverviewRange) => void; pending: boolean }) {
  return (
    <div role="group" aria-label="Time range" aria-busy={pending} className="inline-flex rounded-lg border border-stone-200 bg-white p-0.5">
      {OVERVIEW_RANGES.map((value) => (
        <button
          key={value}
          type="button"
          aria-pressed={value === range}
          aria-label={`Last ${RANGE_LABELS[value]}`}
          onClick={() => onChange(value)}
          className={`rounded-md px-3 py-1 text-sm font-medium ${value === range ? "bg-stone-900 text-white" : "text-stone-600 hover:bg-stone-100 hover:text-stone-900"}`}
        >
          {value}
        </button>
      ))}
    </div>
  );
}

function Panel({ title, subtitle, testId, className = "", children }: { title: string; subtitle?: string; testId: string; className?: string; children: ReactNode }) {
  const id = `panel-${testId}`;
  return (
    <section aria-labelledby={id} data-testid={testId} className={`rounded-xl border border-stone-200 bg-white p-5 ${className}`}>
      <div className="mb-4 flex items-baseline justify-between gap-3">
        <h2 id={id} className="text-sm font-semibold">
          {title}
        </h2>
        {subtitle ? <span className="text-xs text-stone-500">{subtitle}</span> : null}
      </div>
      {children}
    </section>
  );
}

function Skeleton({ label, height }: { label: string; height: string }) {
  return (
    <div aria-busy="true" className={`${height} animate-pulse rounded-lg bg-stone-100`}>
      <span className="sr-only">{label}</span>
    </div>
  );
}

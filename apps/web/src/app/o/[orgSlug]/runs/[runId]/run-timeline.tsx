"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { DenialReason } from "@/components/denial-reason";
import { RefreshErrorBanner } from "@/components/panel-states";
import { useLiveStatus } from "@/components/live-events";
import { formatDateTime } from "@/lib/format";
import { fetchRun, isLive, runDuration, runKeys, RUN_STATUS_LABEL, RUN_STATUS_TONE, type RunDetail, type RunTimelineItem, formatSpend } from "@/lib/runs";
import { Pill } from "../../agents/secret-once";

const DECISION_TONE = { executed: "ok", requested: "warn", denied: "bad" } as const;
const APPROVAL_TONE = { pending: "warn", approved: "ok", denied: "bad", expired: "muted", cancelled: "muted" } as const;
const OUTCOME_TONE = { success: "ok", failure: "bad", partial: "warn" } as const;

/**
 * One run as a timeline, oldest first: every decision with its reason, every approval with who
 * decided and why, every outcome, its end. While the run is running or waiting it follows the org's
 * live events (a decision or an approval refetches it) and refetches every 5 seconds for what
 * streams no event (outcomes, its end).
 */
export function RunTimeline({ orgSlug, initial }: { orgSlug: string; initial: RunDetail }) {
  const live = useLiveStatus();
  const query = useQuery({
    queryKey: runKeys.detail(orgSlug, initial.run.id),
    queryFn: ({ signal }) => fetchRun(orgSlug, initial.run.id, signal),
    initialData: initial,
    refetchInterval: (q) => (isLive(q.state.data?.run.status ?? "idle") ? 5_000 : false),
  });
  const { run, timeline, truncated } = query.data;
  const base = `/o/${encodeURIComponent(orgSlug)}`;
  return (
    <div className="space-y-6">
      <div>
        <Link href={`${base}/runs`} className="text-sm text-stone-500 hover:underline">
          ← Runs
        </Link>
        <div className="mt-1 flex flex-wrap items-center gap-3">
          <h1 className="text-xl font-semibold">{run.name ?? run.runId}</h1>
          <span data-testid="run-status">
            <Pill tone={RUN_STATUS_TONE[run.status]}>{RUN_STATUS_LABEL[run.status]}</Pill>
          </span>
          {isLive(run.status) && live === "live" ? <span className="text-xs text-emerald-700">● live</span> : null}
        </div>
        <dl className="mt-3 grid grid-cols-2 gap-x-6 gap-y-1 text-sm sm:grid-cols-4">
          <Fact term="runId" value={<span className="font-mono">{run.runId}</span>} />
          <Fact
            term="Agent"
            value={
              <Link href={`${base}/agents/${run.agentId}`} className="hover:underline">
                {run.agentName}
              </Link>
            }
          />
          <Fact term="Started" value={formatDateTime(run.startedAt)} />
          <Fact term="Duration" value={runDuration(run.durationMs)} />
          <Fact
            term="Decisions"
            value={`${run.decisions.total}: ${run.decisions.executed} executed, ${run.decisions.denied} denied, ${run.decisions.requested} held for approval`}
          />
          <Fact term="Pending approvals" value={String(run.pendingApprovals)} />
          <Fact term="Model spend" value={<span data-testid="run-spend">{formatSpend(run.spend)}</span>} />
          <Fact term="Last activity" value={formatDateTime(run.lastActivityAt)} />
          {run.endedAt ? <Fact term="Ended" value={formatDateTime(run.endedAt)} /> : null}
        </dl>
      </div>
      {query.isRefetchError ? <RefreshErrorBanner what="the run" error={query.error} onRetry={() => void query.refetch()} /> : null}
      {truncated ? <p className="text-sm text-stone-600">The run holds more decisions than one page: the oldest are left out.</p> : null}
      <ol aria-label="Timeline" className="space-y-2">
        {timeline.map((item, i) => (
          <li key={`${item.type}-${i}`} data-testid="run-item" data-type={item.type} className="flex gap-4 rounded-lg border border-stone-200 bg-white px-4 py-3 text-sm">
            <time dateTime={item.at} className="w-52 shrink-0 whitespace-nowrap text-stone-500">
              {formatDateTime(item.at)}
            </time>
            <div className="min-w-0 flex-1">
              <Item item={item} base={base} runAgentId={run.agentId} />
            </div>
          </li>
        ))}
      </ol>
    </div>
  );
}

function Fact({ term, value }: { term: string; value: React.ReactNode }) {
  return (
    <div>
      <dt className="text-xs text-stone-500">{term}</dt>
      <dd className="text-stone-800">{value}</dd>
    </div>
  );
}

function Item({ item, base, runAgentId }: { item: RunTimelineItem; base: string; runAgentId: string }) {
  switch (item.type) {
    case "decision":
      return (
        <div className="space-y-1">
          <div className="flex flex-wrap items-center gap-2">
            <span className="font-medium">Decision</span>
            <span className="font-mono">{item.actionType}</span>
            <Pill tone={DECISION_TONE[item.status]}>{item.status}</Pill>
            {item.policyName ? <span className="text-stone-500">policy {item.policyName}</span> : null}
            {item.agentId !== runAgentId ? <span className="text-stone-500">by {item.agentName}</span> : null}
          </div>
          {item.denialReason ? <DenialReason code={item.denialReason} className="text-red-800" /> : null}
          <p className="text-stone-600">{item.message}</p>
        </div>
      );
    case "approval":
      return (
        <div className="space-y-1">
          <div className="flex flex-wrap items-center gap-2">
            <Link href={`${base}/approvals?approval=${item.approvalId}`} className="font-medium hover:underline">
              Approval
            </Link>
            <span className="font-mono">{item.actionType}</span>
            <Pill tone={APPROVAL_TONE[item.status]}>{item.status}</Pill>
          </div>
          {item.votes.length === 0 ? (
            <p className="text-stone-600">{item.status === "pending" ? "Waiting for a person to decide." : "Nobody voted."}</p>
          ) : (
            <ul className="text-stone-700">
              {item.votes.map((vote) => (
                <li key={`${vote.member.id}-${vote.at}`}>
                  {vote.decision === "approve" ? "Approved" : "Denied"} by {vote.member.email}
                  {vote.reason ? <span className="text-stone-500"> — {vote.reason}</span> : null}
                </li>
              ))}
            </ul>
          )}
        </div>
      );
    case "outcome":
      return (
        <div className="flex flex-wrap items-center gap-2">
          <span className="font-medium">Outcome</span>
          <span className="font-mono">{item.actionType}</span>
          <Pill tone={OUTCOME_TONE[item.status]}>{item.status}</Pill>
          {item.message ? <span className="text-stone-600">{item.message}</span> : null}
          {item.spend ? (
            <span data-testid="model-call" className="text-stone-600">
              {item.spend.model}: {formatSpend(item.spend)}
              {item.spend.estimated ? <span title="No usage was reported: settled at what the call declared"> (estimated)</span> : null}
            </span>
          ) : null}
        </div>
      );
    case "ended":
      return (
        <div className="flex items-center gap-2">
          <span className="font-medium">Run ended</span>
          <Pill tone={RUN_STATUS_TONE[item.status]}>{item.status}</Pill>
        </div>
      );
  }
}

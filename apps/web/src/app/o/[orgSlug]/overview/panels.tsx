import Link from "next/link";
import type { ReactNode } from "react";
import type { PostureComponent, PostureFinding } from "@gatehouse/contracts";
import { countOf, formatCount, formatDateTime } from "@/lib/format";
import { findingFix, type Overview, type Posture } from "@/lib/overview";

// The overview's panels that are lists and numbers rather than charts.

const COMPONENTS: ReadonlyArray<{ name: keyof Posture["components"]; label: string }> = [
  { name: "policyCoverage", label: "Policy coverage" },
  { name: "humanOversight", label: "Human oversight" },
  { name: "identityAccess", label: "Identity and access" },
  { name: "auditIntegrity", label: "Audit integrity" },
];

const SEVERITY_CLASS: Record<PostureFinding["severity"], string> = {
  critical: "bg-red-100 text-red-800 ring-red-200",
  high: "bg-orange-100 text-orange-800 ring-orange-200",
  medium: "bg-amber-100 text-amber-800 ring-amber-200",
  low: "bg-stone-100 text-stone-700 ring-stone-200",
};

const scoreColor = (score: number) => (score >= 80 ? "text-emerald-700" : score >= 50 ? "text-amber-700" : "text-red-700");

const orgHref = (orgSlug: string, href: string) => `/o/${encodeURIComponent(orgSlug)}${href.startsWith("/") ? href : `/${href}`}`;

export function PosturePanel({ orgSlug, posture, ssoAvailable }: { orgSlug: string; posture: Posture; ssoAvailable: boolean }) {
  const findings = COMPONENTS.reduce((n, { name }) => n + posture.components[name].findings.length, 0);
  return (
    <div className="space-y-5">
      <div className="flex flex-wrap items-end gap-6">
        <div>
          <p data-testid="posture-score" aria-label={`Posture score ${posture.score} out of 100`} className={`text-5xl font-semibold tabular-nums ${scoreColor(posture.score)}`}>
            {posture.score}
            <span className="ml-1 text-lg font-normal text-stone-400">/ 100</span>
          </p>
          <p className="mt-1 text-xs text-stone-500">
            Over the last {countOf(posture.windowDays, "day")} · computed {formatDateTime(posture.computedAt)}
          </p>
        </div>
        <ul className="grid min-w-64 flex-1 gap-2">
          {COMPONENTS.map(({ name, label }) => (
            <ComponentBar key={name} name={name} label={label} component={posture.components[name]} />
          ))}
        </ul>
      </div>
      {findings === 0 ? (
        <p data-testid="posture-no-findings" className="rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-900">
          No findings: nothing takes points off the score.
        </p>
      ) : (
        <div className="space-y-4">
          {COMPONENTS.filter(({ name }) => posture.components[name].findings.length > 0).map(({ name, label }) => (
            <div key={name} data-testid={`findings-${name}`}>
              <h3 className="text-xs font-semibold uppercase tracking-wide text-stone-500">{label}</h3>
              <ul className="mt-2 divide-y divide-stone-100 rounded-lg border border-stone-200">
                {posture.components[name].findings.map((finding) => (
                  <Finding key={finding.id} orgSlug={orgSlug} finding={finding} ssoAvailable={ssoAvailable} />
                ))}
              </ul>
            </div>
          ))}
        </div>
      )}
      <p data-testid="posture-retention" className="border-t border-stone-100 pt-3 text-xs text-stone-500">
        <span className="font-medium text-stone-700">Retention:</span> {posture.retention.rule}{" "}
        {posture.retention.lastSweepAt
          ? `Last sweep ${formatDateTime(posture.retention.lastSweepAt)}; ${countOf(posture.retention.entriesSwept, "entry", "entries")} erased in the last ${countOf(posture.windowDays, "day")}.`
          : ""}{" "}
        <a href={orgHref(orgSlug, "/settings#retention-heading")} className="underline underline-offset-2 hover:text-stone-800">
          Settings
        </a>
      </p>
    </div>
  );
}

function ComponentBar({ name, label, component }: { name: string; label: string; component: PostureComponent }) {
  const share = component.max > 0 ? Math.max(0, Math.min(1, component.score / component.max)) : 0;
  return (
    <li data-testid={`component-${name}`} className="text-sm">
      <div className="flex justify-between gap-3">
        <span className="text-stone-700">{label}</span>
        <span className="tabular-nums text-stone-500">
          <span data-testid="component-score" className="font-medium text-stone-900">
            {component.score}
          </span>{" "}
          / {component.max}
        </span>
      </div>
      <div
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={component.max}
        aria-valuenow={component.score}
        className="mt-1 h-2 overflow-hidden rounded-full bg-stone-100"
      >
        <div className={`h-full rounded-full ${share >= 0.8 ? "bg-emerald-600" : share >= 0.5 ? "bg-amber-500" : "bg-red-600"}`} style={{ width: `${share * 100}%` }} />
      </div>
    </li>
  );
}

function Finding({ orgSlug, finding, ssoAvailable }: { orgSlug: string; finding: PostureFinding; ssoAvailable: boolean }) {
  const fix = findingFix(finding, { ssoAvailable });
  return (
    <li data-testid="finding" data-finding-id={finding.id} className="flex gap-3 px-3 py-2.5 text-sm">
      <span className={`h-fit shrink-0 rounded px-1.5 py-0.5 text-xs font-medium capitalize ring-1 ring-inset ${SEVERITY_CLASS[finding.severity]}`}>{finding.severity}</span>
      <div className="min-w-0 flex-1">
        <p className="text-stone-900">{finding.message}</p>
        <p className="mt-0.5 text-stone-600">
          {fix.text}
          {fix.href === null ? null : (
            <>
              {" "}
              <Link href={orgHref(orgSlug, fix.href)} className="font-medium text-stone-800 underline underline-offset-2">
                Fix it
              </Link>
            </>
          )}
        </p>
      </div>
      <span className="shrink-0 text-xs tabular-nums text-stone-500" title="Points this finding takes off">
        −{finding.points}
      </span>
    </li>
  );
}

export function TopDenied({ orgSlug, actionTypes, agents }: { orgSlug: string; actionTypes: Overview["topDeniedActionTypes"]; agents: Overview["topDeniedAgents"] }) {
  if (actionTypes.length === 0 && agents.length === 0) {
    return <p className="grid h-40 place-items-center rounded-lg border border-dashed border-stone-300 text-sm text-stone-500">Nothing was denied in this range.</p>;
  }
  const base = `/o/${encodeURIComponent(orgSlug)}`;
  return (
    <div className="grid gap-6 sm:grid-cols-2">
      <RankedList
        title="Action types"
        testId="top-denied-action-types"
        rows={actionTypes.map((row) => ({ key: row.actionType, label: <code className="font-mono text-xs">{row.actionType}</code>, value: row.denied }))}
      />
      <RankedList
        title="Agents"
        testId="top-denied-agents"
        rows={agents.map((row) => ({
          key: row.agentId,
          label: (
            <Link href={`${base}/agents/${encodeURIComponent(row.agentId)}`} className="underline underline-offset-2 hover:text-stone-900">
              {row.agentName}
            </Link>
          ),
          value: row.denied,
        }))}
      />
    </div>
  );
}

function RankedList({ title, testId, rows }: { title: string; testId: string; rows: Array<{ key: string; label: ReactNode; value: number }> }) {
  const max = Math.max(1, ...rows.map((row) => row.value));
  return (
    <div>
      <h3 className="text-xs font-semibold uppercase tracking-wide text-stone-500">{title}</h3>
      {rows.length === 0 ? (
        <p className="mt-2 text-sm text-stone-500">None.</p>
      ) : (
        <ol data-testid={testId} className="mt-2 space-y-2">
          {rows.map((row) => (
            <li key={row.key} className="text-sm">
              <div className="flex justify-between gap-3">
                <span className="min-w-0 truncate text-stone-700">{row.label}</span>
                <span className="tabular-nums font-medium">{formatCount(row.value)}</span>
              </div>
              <div aria-hidden="true" className="mt-1 h-1.5 rounded-full bg-stone-100">
                <div className="h-full rounded-full bg-red-600/80" style={{ width: `${(row.value / max) * 100}%` }} />
              </div>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

export function PendingApprovals({ orgSlug, pending }: { orgSlug: string; pending: NonNullable<Overview["pendingApprovals"]> }) {
  const base = `/o/${encodeURIComponent(orgSlug)}/approvals`;
  if (pending.count === 0) {
    return <p className="rounded-lg border border-dashed border-stone-300 px-4 py-6 text-center text-sm text-stone-500">No approval is waiting.</p>;
  }
  return (
    <div>
      <p className="text-sm text-stone-600">
        <span data-testid="pending-count" className="text-2xl font-semibold tabular-nums text-stone-900">
          {formatCount(pending.count)}
        </span>{" "}
        waiting · the oldest:
      </p>
      <ul className="mt-3 divide-y divide-stone-100 rounded-lg border border-stone-200">
        {pending.oldest.map((approval) => (
          <li key={approval.id} className="flex items-center justify-between gap-3 px-3 py-2 text-sm">
            <Link href={`${base}?approval=${encodeURIComponent(approval.id)}`} className="min-w-0 truncate underline underline-offset-2">
              <code className="font-mono text-xs">{approval.actionType}</code> by {approval.agentName}
            </Link>
            <span className="shrink-0 text-xs text-stone-500">since {formatDateTime(approval.createdAt)}</span>
          </li>
        ))}
      </ul>
      <Link href={base} className="mt-3 inline-block text-sm font-medium underline underline-offset-2">
        Open the approval queue
      </Link>
    </div>
  );
}

const PRESENCE_ORDER = [
  { key: "live", label: "live", tone: "text-emerald-700" },
  { key: "unresponsive", label: "unresponsive", tone: "text-red-700" },
  { key: "idle", label: "idle", tone: "text-stone-600" },
  { key: "halted", label: "halted", tone: "text-red-700" },
] as const;

/** The org's agents by presence now (docs/agents.md, Presence), each count linking to the agents page. */
export function AgentPresence({ orgSlug, presence }: { orgSlug: string; presence: Overview["presence"] }) {
  return (
    <ul className="flex flex-wrap gap-6 text-sm">
      {PRESENCE_ORDER.map(({ key, label, tone }) => (
        <li key={key} data-testid={`presence-${key}`}>
          <Link href={`/o/${encodeURIComponent(orgSlug)}/agents`} className="hover:underline">
            <span className={`text-2xl font-semibold tabular-nums ${tone}`}>{presence[key]}</span> <span className="text-stone-600">{label}</span>
          </Link>
        </li>
      ))}
    </ul>
  );
}

"use client";

import { useQuery } from "@tanstack/react-query";
import { LoadError, RefreshErrorBanner } from "@/components/panel-states";
import { formatDateTime } from "@/lib/format";
import { fetchGovernanceHealth, governanceHealthKey, HEALTH_ITEMS, healthAge, healthFigures, STATUS_CLASS, STATUS_LABEL, type HealthStatus } from "@/lib/governance-health";

/** Asked again this often while the page is open: it is what someone on call watches. */
const REFRESH_MS = 30_000;

/**
 * The org's governance health on the org home, for the roles with audit.verify: each item's status,
 * reason, figures and age, and the worst status (docs/audit.md, Governance health).
 */
export function GovernanceHealthPanel({ orgSlug }: { orgSlug: string }) {
  const query = useQuery({ queryKey: governanceHealthKey(orgSlug), queryFn: ({ signal }) => fetchGovernanceHealth(orgSlug, signal), refetchInterval: REFRESH_MS });
  const health = query.data;
  if (!health) {
    return query.error ? (
      <LoadError compact what="The governance health" error={query.error} onRetry={() => void query.refetch()} />
    ) : (
      <div aria-busy="true" className="h-48 animate-pulse rounded-lg bg-stone-100">
        <span className="sr-only">Loading the governance health</span>
      </div>
    );
  }
  const now = Date.parse(health.checkedAt);
  return (
    <div className="space-y-3">
      <p className="flex flex-wrap items-center gap-2 text-sm text-stone-600">
        <StatusBadge status={health.status} testId="governance-health-status" />
        <span>Checked {formatDateTime(health.checkedAt)}</span>
      </p>
      <ul className="divide-y divide-stone-100 rounded-lg border border-stone-200">
        {HEALTH_ITEMS.map(({ name, label }) => {
          const item = health.items[name];
          const figures = healthFigures(health.items, name);
          return (
            <li key={name} data-testid={`health-item-${name}`} data-status={item.status} className="flex gap-3 px-4 py-3 text-sm">
              <StatusBadge status={item.status} />
              <div className="min-w-0 flex-1">
                <p className="font-medium text-stone-900">{label}</p>
                <p className="mt-0.5 text-stone-600">{item.reason}</p>
                {figures ? <p className="mt-0.5 break-words text-xs text-stone-500">{figures}</p> : null}
              </div>
              <span className="shrink-0 text-xs tabular-nums text-stone-500" title={item.observedAt ? formatDateTime(item.observedAt) : "Never recorded"}>
                {healthAge(item.observedAt, now)}
              </span>
            </li>
          );
        })}
      </ul>
      {query.isRefetchError ? <RefreshErrorBanner what="the governance health" error={query.error} onRetry={() => void query.refetch()} /> : null}
    </div>
  );
}

function StatusBadge({ status, testId }: { status: HealthStatus; testId?: string }) {
  return (
    <span data-testid={testId} className={`h-fit shrink-0 rounded px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset ${STATUS_CLASS[status]}`}>
      {STATUS_LABEL[status]}
    </span>
  );
}

"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { buttonClass } from "@/components/button";
import { ChoiceButtons } from "@/components/choice-buttons";
import { EmptyBox, LoadError, RefreshErrorBanner, RowsSkeleton } from "@/components/panel-states";
import { formatCount, formatDateTime } from "@/lib/format";
import { EFFECT_LABELS, fetchMonitor, fetchPolicies, MONITOR_DAYS, policyKeys, type Effect } from "@/lib/policies";
import { WouldBlockChart } from "./monitor-chart";

export function EffectPill({ effect }: { effect: Effect }) {
  const tone =
    effect === "allow"
      ? "bg-emerald-50 text-emerald-800 ring-emerald-200"
      : effect === "deny"
        ? "bg-red-50 text-red-800 ring-red-200"
        : "bg-amber-50 text-amber-900 ring-amber-200";
  return <span className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${tone}`}>{EFFECT_LABELS[effect]}</span>;
}

/**
 * Every active policy (effect, patterns, agents, its conditions and budget in one line, mode, version, last
 * change, decisions in the last 7 days), the org's report-only banner, and what monitor mode would have blocked over 7 or 30 days.
 */
export function PoliciesList({ orgSlug, canEdit, reportOnly }: { orgSlug: string; canEdit: boolean; reportOnly: boolean }) {
  const base = `/o/${encodeURIComponent(orgSlug)}/policies`;
  const list = useQuery({ queryKey: policyKeys.list(orgSlug), queryFn: ({ signal }) => fetchPolicies(orgSlug, signal) });
  const [days, setDays] = useState<number>(7);
  const monitor = useQuery({ queryKey: policyKeys.monitor(orgSlug, days), queryFn: ({ signal }) => fetchMonitor(orgSlug, days, signal), placeholderData: keepPreviousData });

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <h1 className="text-xl font-semibold">Policies</h1>
          <p className="mt-1 text-sm text-stone-600">What agents may do: each action is decided by the policies that match it, most restrictive first; none matching is a deny.</p>
        </div>
        {canEdit ? (
          <Link href={`${base}/draft`} className={buttonClass({ variant: "primary" })}>
            Edit policies
          </Link>
        ) : null}
      </div>

      {reportOnly ? (
        <div role="status" data-testid="report-only-banner" className="rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900">
          <strong className="font-semibold">Report-only trial.</strong> Policies are not enforced: what they would deny or hold for approval is executed and recorded with what it
          would have been. An admin turns this off in Settings.
        </div>
      ) : null}

      {list.data === undefined ? (
        list.error ? (
          <LoadError what="Policies" error={list.error} onRetry={() => void list.refetch()} />
        ) : (
          <RowsSkeleton label="Loading policies…" />
        )
      ) : list.data.policies.length === 0 ? (
        <EmptyBox title="No policies yet">
          Every action is denied until a policy allows it. {canEdit ? "Edit policies to write one or start from the library." : "An owner or admin writes them."}
        </EmptyBox>
      ) : (
        <>
          <RefreshErrorBanner what="policies" error={list.isRefetchError ? list.error : null} onRetry={() => void list.refetch()} />
          <div className="overflow-x-auto rounded-xl border border-stone-200 bg-white">
            <table className="w-full text-left text-sm">
              <thead className="border-b border-stone-200 text-xs text-stone-500">
                <tr>
                  <th className="px-4 py-2 font-medium">Name</th>
                  <th className="px-4 py-2 font-medium">Effect</th>
                  <th className="px-4 py-2 font-medium">Actions</th>
                  <th className="px-4 py-2 font-medium">Agents</th>
                  <th className="px-4 py-2 font-medium">When</th>
                  <th className="px-4 py-2 font-medium">Mode</th>
                  <th className="px-4 py-2 font-medium">Version</th>
                  <th className="px-4 py-2 font-medium">Last change</th>
                  <th className="px-4 py-2 text-right font-medium">Decisions (7 days)</th>
                </tr>
              </thead>
              <tbody>
                {list.data.policies.map((policy) => (
                  <tr key={policy.name} data-testid="policy-row" className="border-b border-stone-100 last:border-0">
                    <td className="px-4 py-2.5">
                      <Link href={`${base}/${encodeURIComponent(policy.name)}`} className="font-medium text-stone-900 underline-offset-2 hover:underline">
                        {policy.name}
                      </Link>
                      {policy.description ? <p className="text-xs text-stone-500">{policy.description}</p> : null}
                    </td>
                    <td className="px-4 py-2.5">
                      <EffectPill effect={policy.effect} />
                    </td>
                    <td className="px-4 py-2.5 font-mono text-xs text-stone-700">{policy.actions.join(", ")}</td>
                    <td className="px-4 py-2.5 font-mono text-xs text-stone-700">{policy.agents.join(", ")}</td>
                    <td className="max-w-sm px-4 py-2.5 text-xs text-stone-700" data-testid="policy-when">
                      {policy.when ? <span className="font-mono break-words">{policy.when}</span> : <span className="text-stone-500">always</span>}
                      {policy.budget ? <span className="block text-stone-600">budget: {policy.budget}</span> : null}
                    </td>
                    <td className="px-4 py-2.5 text-xs">{policy.mode === "monitor" ? <span className="font-medium text-amber-800">monitor</span> : "enforce"}</td>
                    <td className="px-4 py-2.5 tabular-nums">v{policy.version}</td>
                    <td className="px-4 py-2.5 text-xs text-stone-600">
                      {policy.updatedAt ? formatDateTime(policy.updatedAt) : "—"}
                      {policy.updatedBy ? <span className="block text-stone-500">by {policy.updatedBy}</span> : null}
                    </td>
                    <td className="px-4 py-2.5 text-right tabular-nums">{formatCount(policy.decisions7d)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}

      <section aria-labelledby="would-block" className="rounded-xl border border-stone-200 bg-white p-4">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <div>
            <h2 id="would-block" className="text-base font-semibold">
              What monitor mode would have blocked
            </h2>
            <p className="text-sm text-stone-600">Decisions a monitor-mode policy or the report-only trial let through that would otherwise have been denied or held.</p>
          </div>
          <ChoiceButtons label="Days" options={MONITOR_DAYS} value={days} onChange={setDays} render={(d) => `${d} days`} />
        </div>
        <div className="mt-4">
          {monitor.data === undefined ? (
            monitor.error ? (
              <LoadError what="The monitor view" error={monitor.error} onRetry={() => void monitor.refetch()} />
            ) : (
              <div aria-busy="true" className="h-48 animate-pulse rounded-lg bg-stone-100" />
            )
          ) : (
            <>
              <WouldBlockChart monitor={monitor.data} />
              {monitor.data.byPolicy.length > 0 ? (
                <table className="mt-4 w-full text-left text-sm" data-testid="monitor-table">
                  <thead className="border-b border-stone-200 text-xs text-stone-500">
                    <tr>
                      <th className="py-2 font-medium">Policy</th>
                      <th className="py-2 text-right font-medium">Decided</th>
                      <th className="py-2 text-right font-medium">Would have blocked</th>
                    </tr>
                  </thead>
                  <tbody>
                    {monitor.data.byPolicy.map((row) => (
                      <tr key={row.policy} className="border-b border-stone-100 last:border-0">
                        <td className="py-2 font-mono text-xs">{row.policy}</td>
                        <td className="py-2 text-right tabular-nums">{formatCount(row.decided)}</td>
                        <td className="py-2 text-right tabular-nums">{formatCount(row.wouldBlock)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : null}
            </>
          )}
        </div>
      </section>
    </div>
  );
}

"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Fragment, useMemo, useState } from "react";
import { EmptyBox, LoadError, RowsSkeleton } from "@/components/panel-states";
import { countOf, formatDateTime } from "@/lib/format";
import { DiffView } from "@/components/diff-view";
import { diffStats, lineDiff } from "@/lib/line-diff";
import { fetchVersions, policyFacts, policyKeys, type PolicyVersionView } from "@/lib/policies";
import { ApiError } from "@/lib/api-client";
import { documentYaml } from "@/lib/policy-source";

/** A policy as its newest version says it, beside its versions (who, when, hash), and a line diff between any two of them. */
export function PolicyHistory({ orgSlug, name }: { orgSlug: string; name: string }) {
  const query = useQuery({ queryKey: policyKeys.versions(orgSlug, name), queryFn: ({ signal }) => fetchVersions(orgSlug, name, signal) });
  const back = (
    <Link href={`/o/${encodeURIComponent(orgSlug)}/policies`} className="text-sm text-stone-600 underline">
      ← Policies
    </Link>
  );
  if (query.isPending) return <RowsSkeleton label="Loading versions…" />;
  if (query.isError) {
    if (query.error instanceof ApiError && query.error.status === 404) {
      return (
        <div className="space-y-4">
          {back}
          <EmptyBox title={`No policy named ${name}`}>It may have been renamed; the list shows the active ones.</EmptyBox>
        </div>
      );
    }
    return <LoadError what="The policy" error={query.error} onRetry={() => void query.refetch()} />;
  }
  const { versions, status } = query.data;
  return (
    <div className="space-y-6">
      {back}
      <div>
        <h1 className="font-mono text-xl font-semibold">{name}</h1>
        <p className="mt-1 text-sm text-stone-600">
          {countOf(versions.length, "version")}
          {status === "archived" ? " · archived (no longer in the active set)" : ""}. Each published change is a new immutable version.
        </p>
      </div>
      <div className="grid items-start gap-6 lg:grid-cols-2">
        {versions[0] ? <PolicyDocumentView version={versions[0]} archived={status === "archived"} /> : null}
        <div className="overflow-x-auto rounded-xl border border-stone-200 bg-white">
          <table className="w-full text-left text-sm" aria-label="Versions">
            <thead className="border-b border-stone-200 text-xs text-stone-500">
              <tr>
                <th className="px-4 py-2 font-medium">Version</th>
                <th className="px-4 py-2 font-medium">Published</th>
                <th className="px-4 py-2 font-medium">By</th>
                <th className="px-4 py-2 font-medium">Content hash</th>
              </tr>
            </thead>
            <tbody>
              {versions.map((v) => (
                <tr key={v.versionId} data-testid="version-row" className="border-b border-stone-100 last:border-0">
                  <td className="px-4 py-2.5 tabular-nums">v{v.version}</td>
                  <td className="px-4 py-2.5 text-xs text-stone-600">{formatDateTime(v.createdAt)}</td>
                  <td className="px-4 py-2.5 text-xs text-stone-600">{v.createdBy?.label ?? "—"}</td>
                  <td className="px-4 py-2.5 font-mono text-xs text-stone-500" title={v.contentHash}>
                    {v.contentHash.slice(0, 16)}…
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      {versions.length >= 2 ? <VersionDiff versions={versions} /> : null}
    </div>
  );
}

/** What the policy says: effect, mode, actions, agents, approval rules and conditions of its newest version. */
function PolicyDocumentView({ version, archived }: { version: PolicyVersionView; archived: boolean }) {
  const facts = policyFacts(version.document, documentYaml);
  return (
    <section aria-labelledby="policy-title" data-testid="policy-document" className="rounded-xl border border-stone-200 bg-white p-4">
      <h2 id="policy-title" className="text-base font-semibold">
        {archived ? `The policy as v${version.version} said it (archived)` : `The policy (v${version.version}, in force)`}
      </h2>
      <dl className="mt-3 grid grid-cols-[9rem_minmax(0,1fr)] gap-x-3 gap-y-2 text-sm">
        {facts.map((fact) => (
          <Fragment key={fact.label}>
            <dt className="text-stone-500">{fact.label}</dt>
            <dd data-testid={`policy-${fact.label.toLowerCase().replaceAll(" ", "-").replaceAll("'", "")}`} className="min-w-0 text-stone-900">
              {fact.code ? <pre className="whitespace-pre-wrap break-words font-mono text-xs">{fact.value}</pre> : fact.value}
            </dd>
          </Fragment>
        ))}
      </dl>
    </section>
  );
}

function VersionDiff({ versions }: { versions: PolicyVersionView[] }) {
  // Newest first: compare the previous version with the current one unless the reader picks others.
  const [fromId, setFromId] = useState(versions[1]?.versionId ?? "");
  const [toId, setToId] = useState(versions[0]?.versionId ?? "");
  const from = versions.find((v) => v.versionId === fromId);
  const to = versions.find((v) => v.versionId === toId);
  const lines = useMemo(() => (from && to ? lineDiff(documentYaml(from.document), documentYaml(to.document)) : []), [from, to]);
  const stats = diffStats(lines);
  return (
    <section aria-labelledby="diff-title" className="rounded-xl border border-stone-200 bg-white p-4">
      <div className="flex flex-wrap items-center gap-3">
        <h2 id="diff-title" className="text-base font-semibold">
          Diff
        </h2>
        <VersionSelect label="from" ariaLabel="From version" versions={versions} value={fromId} onChange={setFromId} />
        <VersionSelect label="to" ariaLabel="To version" versions={versions} value={toId} onChange={setToId} />
        <span data-testid="diff-stats" className="ml-auto text-xs text-stone-500">
          <span className="text-emerald-700">+{stats.added}</span> <span className="text-red-700">−{stats.removed}</span>
        </span>
      </div>
      <DiffView lines={lines} />
    </section>
  );
}

function VersionSelect({
  label,
  ariaLabel,
  versions,
  value,
  onChange,
}: {
  label: string;
  ariaLabel: string;
  versions: PolicyVersionView[];
  value: string;
  onChange: (versionId: string) => void;
}) {
  return (
    <label className="text-sm text-stone-600">
      {label}{" "}
      <select aria-label={ariaLabel} value={value} onChange={(e) => onChange(e.target.value)} className="rounded-md border border-stone-300 bg-white px-2 py-1 text-sm">
        {versions.map((v) => (
          <option key={v.versionId} value={v.versionId}>
            v{v.version}
          </option>
        ))}
      </select>
    </label>
  );
}

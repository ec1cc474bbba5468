"use client";

import { skipToken, useQuery } from "@tanstack/react-query";
import { Fragment, useId } from "react";
import { CopyButton, DownloadTextButton } from "@/components/text-actions";
import { fetchInclusionProof, fetchSigningKeys } from "@/lib/api-client";
import { auditKeys, type AuditEntry, type InclusionProof } from "@/lib/audit";
import { verifyEntryInclusion, type InclusionVerdict } from "@/lib/verify-entry";
import { LoadError } from "@/components/panel-states";
import { Button } from "@/components/button";
import { KeyValueList } from "@/components/key-value-list";
import { entryResult, type EntryActor } from "@/lib/audit-entry";
import { ContentFindings } from "@/components/content-findings";
import { useDenialLine } from "@/components/denial-reason";
import { findingsOf } from "@/lib/content-findings";
import { erasableFieldsOf, erasedByText, erasedFieldsOf } from "@/lib/erasure";
import { countOf, formatDateTime } from "@/lib/format";

/**
 * One entry: what it records — with the secrets and personal data its call carried (findings) and the
 * fields an owner erased — and the proof that it is in the log the org's key signed. `onErase` (owners)
 * opens the erasure of this entry's committed fields, while it still has any.
 */
export function EntryDetail({
  orgSlug,
  entry,
  agentName,
  actor,
  onErase,
}: {
  orgSlug: string;
  entry: AuditEntry;
  agentName: string | null;
  actor: EntryActor;
  onErase?: (entryId: string) => void;
}) {
  const result = entryResult(entry);
  const denialLine = useDenialLine();
  const denialReason = typeof entry.data.denialReason === "string" ? entry.data.denialReason : null;
  const findings = findingsOf(entry.data.findings);
  const erased = erasedFieldsOf(entry);
  const erasable = onErase ? erasableFieldsOf(entry) : [];
  // The findings are listed on their own; the rest of the data as recorded, an erased field by its erasure.
  const data = findings.length > 0 ? Object.fromEntries(Object.entries(entry.data).filter(([key]) => key !== "findings")) : entry.data;
  const notes = Object.fromEntries(
    erased.map(({ field, seq }) => [
      field,
      <span key={field} data-testid="erased-field" data-field={field} className="italic text-stone-500">
        {erasedByText(seq)}
      </span>,
    ]),
  );
  const rows: Array<[string, string]> = [
    ["Entry", entry.id],
    ["Seq", String(entry.seq)],
    ["Time", formatDateTime(entry.createdAt)],
    ["Event", entry.type],
    ["Result", result ? `${result.label} (${result.hint})` : "—"],
    ...(denialReason ? [["Denied", denialLine(denialReason)] as [string, string]] : []),
    ["Actor", `${actor.label} · ${actor.detail}`],
    ["Agent", entry.agentId ? `${agentName ? `${agentName} · ` : ""}${entry.agentId}` : "—"],
    ["Subject", entry.subjectId ?? "—"],
    ["Leaf hash", entry.leafHash],
    ["Chain hash", entry.chainHash],
  ];
  return (
    <div data-testid="entry-detail" data-entry-id={entry.id} className="grid gap-4 xl:grid-cols-2">
      <div className="space-y-4">
        <dl className="grid grid-cols-[6rem_1fr] content-start gap-x-3 gap-y-2 text-xs">
          {rows.map(([label, value]) => (
            <Fragment key={label}>
              <dt className="text-stone-500">{label}</dt>
              <dd className="break-all font-mono text-stone-800">{value}</dd>
            </Fragment>
          ))}
        </dl>
        <ContentFindings findings={findings} />
        <div>
          <div className="flex flex-wrap items-center justify-between gap-2">
            <h3 className="text-xs font-medium text-stone-500">Data</h3>
            {onErase && erasable.length > 0 ? (
              <Button size="xs" variant="ghost" onClick={() => onErase(entry.id)} title={`Erase ${erasable.join(", ")} of this entry`}>
                Erase this entry&apos;s data…
              </Button>
            ) : null}
          </div>
          <div className="mt-1 max-h-96 overflow-auto">
            <KeyValueList value={data} empty="This entry records no data." testId="entry-data" notes={notes} />
          </div>
          {erased.length > 0 ? (
            <p className="mt-1 text-xs text-stone-500">
              An owner erased {countOf(erased.length, "field")} of this entry: {erased.map(({ field }) => field).join(", ")}. The entry&apos;s hashes and proof are unchanged: its
              text holds only their salted digests.
            </p>
          ) : null}
        </div>
      </div>
      <InclusionProofBlock orgSlug={orgSlug} entry={entry} />
    </div>
  );
}

function InclusionProofBlock({ orgSlug, entry }: { orgSlug: string; entry: AuditEntry }) {
  const headingId = useId();
  const proofQuery = useQuery({
    queryKey: auditKeys.proof(orgSlug, entry.id),
    queryFn: ({ signal }) => fetchInclusionProof(orgSlug, entry.id, signal),
    refetchOnWindowFocus: false,
  });
  const keysQuery = useQuery({
    queryKey: auditKeys.keys(orgSlug),
    queryFn: ({ signal }) => fetchSigningKeys(orgSlug, signal),
  });
  const proof = proofQuery.data;
  const keys = keysQuery.data?.keys;
  // The math runs here, in the browser, on what the server sent.
  const verdictQuery = useQuery({
    queryKey: [...auditKeys.proof(orgSlug, entry.id), "verdict", proofQuery.dataUpdatedAt, keysQuery.dataUpdatedAt],
    queryFn:
      proof && keys ? () => verifyEntryInclusion({ seq: entry.seq, leafHash: entry.leafHash, canonical: entry.canonical, proof, vkeys: keys.map((key) => key.vkey) }) : skipToken,
    staleTime: Infinity,
    retry: false,
    refetchOnWindowFocus: false,
  });

  const error = proofQuery.error ?? keysQuery.error;
  const retry = () => void (proofQuery.isError ? proofQuery.refetch() : keysQuery.refetch());

  return (
    <section aria-labelledby={headingId} data-testid="inclusion-proof" className="rounded-lg border border-stone-200 bg-white p-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 id={headingId} className="text-sm font-semibold">
          Inclusion proof
        </h3>
        <Button size="xs" onClick={() => void proofQuery.refetch()} disabled={proofQuery.isFetching}>
          {proofQuery.isFetching ? "Checking…" : "Check again"}
        </Button>
      </div>

      {error && !(proof && keys) ? (
        <div className="mt-3">
          <LoadError what="The proof" error={error} onRetry={retry} />
        </div>
      ) : !proof || !keys ? (
        <p aria-busy="true" className="mt-3 text-sm text-stone-500">
          Fetching the proof and the org&apos;s public keys…
        </p>
      ) : (
        <>
          <Verdict verdict={verdictQuery.data ?? null} />
          <ProofFacts proof={proof} orgSlug={orgSlug} />
        </>
      )}
    </section>
  );
}

function Verdict({ verdict }: { verdict: InclusionVerdict | null }) {
  if (!verdict) {
    return (
      <p role="status" aria-busy="true" className="mt-3 text-sm text-stone-500">
        Verifying in your browser…
      </p>
    );
  }
  return (
    <div
      role="status"
      data-testid="inclusion-verdict"
      data-valid={verdict.valid}
      className={`mt-3 rounded-md border px-3 py-2.5 text-sm ${verdict.valid ? "border-emerald-200 bg-emerald-50 text-emerald-900" : "border-red-200 bg-red-50 text-red-900"}`}
    >
      <p className="font-medium">
        <span aria-hidden="true">{verdict.valid ? "✓ " : "✗ "}</span>
        {verdict.valid ? "Verified in your browser" : "Not verified"}
      </p>
      <p className="mt-0.5 text-xs">
        {verdict.valid
          ? "This entry is in the log the organization's key signed: your browser recomputed the root from the proof and checked the checkpoint's signature."
          : "Your browser could not confirm that this entry is in the signed log."}
      </p>
      <ul className="mt-2 space-y-1 text-xs">
        {verdict.steps.map((step) => (
          <li key={step.label} className="flex gap-2">
            <span aria-hidden="true" className={step.ok ? "text-emerald-700" : "text-red-700"}>
              {step.ok ? "✓" : "✗"}
            </span>
            <span>
              <span className="font-medium">{step.label}</span>
              <span className="sr-only">{step.ok ? " passed" : " failed"}</span>: {step.detail}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function ProofFacts({ proof, orgSlug }: { proof: InclusionProof; orgSlug: string }) {
  const facts: Array<[string, string]> = [
    ["Leaf index", String(proof.seq)],
    ["Tree size", String(proof.treeSize)],
    ["Root", proof.rootHash],
  ];
  return (
    <div className="mt-4 space-y-4 text-xs">
      <dl className="grid grid-cols-[6rem_1fr] gap-x-3 gap-y-2">
        {facts.map(([label, value]) => (
          <Fragment key={label}>
            <dt className="text-stone-500">{label}</dt>
            <dd data-testid={`proof-${label.toLowerCase().replace(" ", "-")}`} className="break-all font-mono text-stone-800">
              {value}
            </dd>
          </Fragment>
        ))}
      </dl>
      <div>
        <h4 className="font-medium text-stone-500">Audit path ({countOf(proof.proof.length, "hash", "hashes")}, leaf to root)</h4>
        {proof.proof.length === 0 ? (
          <p className="mt-1 text-stone-600">None: the entry is the only leaf, so its hash is the root.</p>
        ) : (
          <ol className="mt-1 list-decimal space-y-0.5 pl-6 font-mono text-stone-800">
            {proof.proof.map((hash, i) => (
              <li key={`${i}-${hash}`} className="break-all">
                {hash}
              </li>
            ))}
          </ol>
        )}
      </div>
      {proof.checkpoint ? (
        <div>
          <div className="flex flex-wrap items-center justify-between gap-2">
            <h4 className="font-medium text-stone-500">Signed checkpoint</h4>
            <div className="flex gap-2">
              <CopyButton text={proof.checkpoint.note} label="Copy note" />
              <DownloadTextButton text={proof.checkpoint.note} filename={`gatehouse-checkpoint-${orgSlug}-${proof.checkpoint.treeSize}.txt`} label="Download note" />
            </div>
          </div>
          <pre data-testid="checkpoint-note" className="mt-1 overflow-x-auto rounded-md bg-stone-900 p-3 font-mono text-[0.7rem] leading-relaxed text-stone-100">
            {proof.checkpoint.note}
          </pre>
        </div>
      ) : null}
    </div>
  );
}

"use client";

import { AgentOptions } from "@/components/agent-options";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { CopyButton, DownloadTextButton } from "@/components/text-actions";
import { ApiError, fetchAuditExport, fetchSigningKeys, type ExportProgress, type SavedExport } from "@/lib/api-client";
import { auditKeys, type ExportFormat, type ExportOptions } from "@/lib/audit";
import { formatBytes, formatCount } from "@/lib/format";
import type { AgentOption } from "./audit-log";
import { buttonClass } from "@/components/button";
import { PeriodFields, toInstant } from "@/components/period-fields";

const FORMATS: ReadonlyArray<{ value: ExportFormat; label: string; hint: string }> = [
  { value: "jsonl", label: "JSONL bundle", hint: "Signed and verifiable offline" },
  { value: "csv", label: "CSV", hint: "Entries only, for spreadsheets; not verifiable" },
];

/** The Export section: the log as a file to keep, with the command that verifies it offline. */
export function ExportPanel({ orgSlug, agents, onOpenKeys }: { orgSlug: string; agents: AgentOption[]; onOpenKeys: () => void }) {
  const id = useId();
  const [format, setFormat] = useState<ExportFormat>("jsonl");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [agentId, setAgentId] = useState("");
  const [type, setType] = useState("");
  const keysQuery = useQuery({
    queryKey: auditKeys.keys(orgSlug),
    queryFn: ({ signal }) => fetchSigningKeys(orgSlug, signal),
  });
  const keys = keysQuery.data?.keys ?? [];
  const keysFile = `gatehouse-${orgSlug}-keys.txt`;

  const fromInstant = toInstant(from);
  const toInstantValue = toInstant(to);
  const backwards = fromInstant !== null && toInstantValue !== null && fromInstant > toInstantValue;
  const filtered = Boolean(fromInstant || toInstantValue || agentId || type.trim());
  const options: ExportOptions = {
    format,
    ...(fromInstant ? { from: fromInstant } : {}),
    ...(toInstantValue ? { to: toInstantValue } : {}),
    ...(agentId ? { agentId } : {}),
    ...(type.trim() ? { type: type.trim() } : {}),
  };
  const download = useExportDownload(orgSlug);
  const contents =
    format === "csv"
      ? `${filtered ? "The matching entries" : "Every entry"}, one row each, with its data as JSON. No proofs and no checkpoints: a CSV cannot be verified.`
      : filtered
        ? "The matching entries, each with its inclusion proof, and the signed checkpoint they are proven against."
        : "Every entry and every signed checkpoint, with the verifier keys.";
  // A full bundle holds checkpoints signed by retired keys too: after a rotation, pass them all.
  const [onlyKey] = keys;
  const command = `gatehouse verify <file> --key ${keys.length > 1 ? `@${keysFile}` : (onlyKey?.vkey ?? "<vkey>")}`;

  return (
    <div className="grid gap-8 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
      <form aria-labelledby={`${id}-heading`} onSubmit={(event) => event.preventDefault()} className="space-y-5">
        <div>
          <h2 id={`${id}-heading`} className="text-lg font-semibold">
            Export the log
          </h2>
          <p className="mt-1 text-sm text-stone-600">The whole log up to a fresh signed checkpoint, or only the entries you filter for.</p>
        </div>

        <fieldset>
          <legend className="text-xs font-medium text-stone-500">Format</legend>
          <div className="mt-1.5 flex flex-wrap gap-3">
            {FORMATS.map((option) => (
              <label
                key={option.value}
                className={`flex cursor-pointer items-start gap-2 rounded-lg border px-3 py-2 text-sm ${
                  format === option.value ? "border-stone-900 bg-white" : "border-stone-200 bg-white hover:border-stone-300"
                }`}
              >
                <input type="radio" name={`${id}-format`} value={option.value} checked={format === option.value} onChange={() => setFormat(option.value)} className="mt-1" />
                <span>
                  <span className="block font-medium">{option.label}</span>
                  <span className="block text-xs text-stone-500">{option.hint}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>

        <fieldset className="grid gap-3 sm:grid-cols-2">
          <legend className="mb-1.5 text-xs font-medium text-stone-500">Filters (optional)</legend>
          <PeriodFields from={from} to={to} onFrom={setFrom} onTo={setTo} problemId={backwards ? `${id}-range-error` : undefined} />
          <label className="flex flex-col gap-1 text-sm">
            <span className="text-xs text-stone-600">Agent</span>
            <select value={agentId} onChange={(event) => setAgentId(event.target.value)} className="rounded-md border border-stone-300 bg-white py-1 pl-2 pr-7">
              <AgentOptions agents={agents} />
            </select>
          </label>
          <label className="flex flex-col gap-1 text-sm">
            <span className="text-xs text-stone-600">Event type</span>
            <input
              type="text"
              value={type}
              onChange={(event) => setType(event.target.value)}
              placeholder="e.g. action.decided"
              spellCheck={false}
              className="rounded-md border border-stone-300 bg-white px-2 py-1 font-mono text-xs"
            />
          </label>
        </fieldset>

        {backwards ? (
          <p id={`${id}-range-error`} role="alert" className="text-sm text-red-700">
            “From” is after “To”: no entry can match.
          </p>
        ) : null}

        <div className="flex flex-wrap items-center gap-3">
          <button
            type="button"
            data-testid="export-download"
            disabled={backwards || download.state.kind === "running"}
            onClick={() => download.start(options)}
            className={buttonClass({ size: "md", variant: "primary" })}
          >
            {download.state.kind === "running" ? "Downloading…" : `Download ${format === "jsonl" ? "JSONL" : "CSV"}`}
          </button>
          {download.state.kind === "running" ? (
            <button type="button" onClick={download.cancel} className={buttonClass({ size: "md" })}>
              Cancel
            </button>
          ) : null}
          <span data-testid="export-contents" className="text-xs text-stone-500">
            {contents}
          </span>
        </div>
        <DownloadStatus state={download.state} onDismiss={download.reset} />
      </form>

      <aside aria-labelledby={`${id}-offline`} className="rounded-xl border border-stone-200 bg-white p-5 text-sm">
        <h3 id={`${id}-offline`} className="font-semibold">
          Verify offline
        </h3>
        <p className="mt-1 text-stone-600">
          A JSONL bundle holds the verifier keys, every entry&apos;s canonical text and leaf hash, and the signed checkpoints. Anyone with the public key can check it without
          trusting this server:
        </p>
        <pre className="mt-3 overflow-x-auto whitespace-pre-wrap break-all rounded-md bg-stone-900 p-3 font-mono text-xs text-stone-100">{command}</pre>
        <p className="mt-2 text-xs text-stone-500">
          The <code className="font-mono">gatehouse</code> command is the <code className="font-mono">@gatehouse/cli</code> package, not on npm yet. In a clone of Gatehouse:{" "}
          <code className="font-mono">npm run pack:packages</code>, then <code className="font-mono">npm install -g ./dist/packages/gatehouse-cli-*.tgz</code> (or, in the clone,{" "}
          <code className="font-mono">npm run gatehouse -- verify …</code>). Once it is published: <code className="font-mono">npm install -g @gatehouse/cli</code>.
        </p>
        <div className="mt-2 flex flex-wrap items-center gap-3">
          <CopyButton text={command} label="Copy command" />
          {keys.length > 1 ? <DownloadTextButton text={keys.map((key) => `${key.vkey}\n`).join("")} filename={keysFile} label={`Download ${keysFile}`} /> : null}
          <button type="button" onClick={onOpenKeys} className={buttonClass({ size: "xs", variant: "link" })}>
            All verifier keys
          </button>
        </div>
        <p className="mt-3 text-xs text-stone-500">
          Compare the key with one you saved earlier or received from your organization out of band: a key read from the same server as the export proves less.
        </p>
      </aside>
    </div>
  );
}

type DownloadState = { kind: "idle" } | { kind: "running"; progress: ExportProgress } | { kind: "done"; saved: Omit<SavedExport, "blob"> } | { kind: "failed"; error: Error };

/** Fetches the export with progress, saves it through the browser, and says what was saved. */
function useExportDownload(orgSlug: string) {
  const [state, setState] = useState<DownloadState>({ kind: "idle" });
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  const start = (options: ExportOptions) => {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setState({ kind: "running", progress: { bytes: 0, entries: 0 } });
    fetchAuditExport(orgSlug, options, (progress) => setState({ kind: "running", progress }), controller.signal).then(
      ({ blob, ...saved }) => {
        const url = URL.createObjectURL(blob);
        const link = document.createElement("a");
        link.href = url;
        link.download = saved.filename;
        link.click();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
        setState({ kind: "done", saved });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return setState({ kind: "idle" });
        setState({ kind: "failed", error: error instanceof Error ? error : new Error(String(error)) });
      },
    );
  };
  return {
    state,
    start,
    cancel: () => abort.current?.abort(),
    reset: () => setState({ kind: "idle" }),
  };
}

const entriesText = (count: number) => `${formatCount(count)} ${count === 1 ? "entry" : "entries"}`;

function DownloadStatus({ state, onDismiss }: { state: DownloadState; onDismiss: () => void }) {
  if (state.kind === "idle") return null;
  if (state.kind === "running") {
    return (
      <p role="status" aria-busy="true" data-testid="export-progress" className="text-sm tabular-nums text-stone-600">
        Preparing the export… {entriesText(state.progress.entries)} ({formatBytes(state.progress.bytes)}) received
      </p>
    );
  }
  if (state.kind === "failed") {
    return (
      <p role="alert" className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
        The export failed: {state.error.message}
        {state.error instanceof ApiError && state.error.requestId ? <span className="ml-1 font-mono text-xs text-red-600">({state.error.requestId})</span> : null}
      </p>
    );
  }
  const { saved } = state;
  return (
    <div role="status" className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
      <span data-testid="export-confirmation">
        Downloaded {entriesText(saved.entries)} ({formatBytes(saved.bytes)}) as <span className="font-mono text-xs">{saved.filename}</span>
      </span>
      <button type="button" onClick={onDismiss} className={buttonClass({ size: "xs", variant: "link" })}>
        Dismiss
      </button>
    </div>
  );
}

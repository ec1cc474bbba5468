"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { ApiError, verifyAuditChain } from "@/lib/api-client";
import { auditKeys, verificationSummary, type ChainVerification } from "@/lib/audit";
import { countOf, formatCount, formatDateTime } from "@/lib/format";
import { buttonClass } from "@/components/button";

type Run =
  | { state: "idle" }
  | { state: "running"; checked: number; total: number | null }
  | { state: "done"; result: ChainVerification; finishedAt: string }
  | { state: "failed"; error: Error };

/** The Verify section: recompute the whole log on the server, with progress, and say whether it holds. */
export function VerifyPanel({ orgSlug }: { orgSlug: string }) {
  const queryClient = useQueryClient();
  const [run, setRun] = useState<Run>({ state: "idle" });
  const abort = useRef<AbortController | null>(null);
  const resultRef = useRef<HTMLDivElement>(null);

  useEffect(() => () => abort.current?.abort(), []);
  useEffect(() => {
    if (run.state === "done" || run.state === "failed") resultRef.current?.focus();
  }, [run.state]);

  const start = async () => {
    const controller = new AbortController();
    abort.current = controller;
    setRun({ state: "running", checked: 0, total: null });
    try {
      const result = await verifyAuditChain(orgSlug, {
        signal: controller.signal,
        onProgress: (checked, total) => setRun({ state: "running", checked, total }),
      });
      setRun({ state: "done", result, finishedAt: new Date().toISOString() });
    } catch (error) {
      if (controller.signal.aborted) setRun({ state: "idle" });
      else setRun({ state: "failed", error: error instanceof Error ? error : new Error(String(error)) });
    } finally {
      abort.current = null;
      // Verifying signs a checkpoint of the log as it is now.
      void queryClient.invalidateQueries({ queryKey: auditKeys.checkpoints(orgSlug) });
    }
  };

  const running = run.state === "running";
  return (
    <div className="max-w-3xl">
      <h2 className="text-lg font-semibold">Verify the whole log</h2>
      <p className="mt-1 text-sm text-stone-600">
        Recomputes every entry&apos;s leaf hash from its canonical text, the hash chain, and the Merkle tree, and checks it against every signed checkpoint and its signature with
        the organization&apos;s public keys. It reads the whole log, so a large one takes a while. For a check that does not trust this server, export the log and verify it
        offline.
      </p>

      <div className="mt-5 flex items-center gap-3">
        <button type="button" onClick={() => void start()} disabled={running} className={buttonClass({ size: "md", variant: "primary" })}>
          {running ? "Verifying…" : run.state === "idle" ? "Verify chain" : "Verify chain again"}
        </button>
        {running ? (
          <button type="button" onClick={() => abort.current?.abort()} className={buttonClass({ size: "md" })}>
            Stop watching
          </button>
        ) : null}
      </div>

      {run.state === "running" ? <Progress checked={run.checked} total={run.total} /> : null}

      {run.state === "done" ? (
        <div ref={resultRef} tabIndex={-1} className="mt-5 outline-none">
          <VerificationResult result={run.result} finishedAt={run.finishedAt} />
        </div>
      ) : null}

      {run.state === "failed" ? (
        <div ref={resultRef} tabIndex={-1} role="alert" className="mt-5 rounded-lg border border-red-200 bg-white px-4 py-3 text-sm outline-none">
          <p className="font-medium text-red-800">The verification could not run</p>
          <p className="mt-1 text-stone-700">
            {run.error.message}
            {run.error instanceof ApiError && run.error.requestId ? <span className="ml-1 font-mono text-xs text-stone-500">({run.error.requestId})</span> : null}
          </p>
        </div>
      ) : null}
    </div>
  );
}

function Progress({ checked, total }: { checked: number; total: number | null }) {
  const percent = total ? Math.min(100, Math.round((checked / total) * 100)) : null;
  return (
    <div className="mt-5" data-testid="verify-progress">
      <div
        role="progressbar"
        aria-label="Entries checked"
        aria-valuemin={0}
        aria-valuemax={total ?? undefined}
        aria-valuenow={total ? checked : undefined}
        aria-valuetext={total ? `${checked} of ${countOf(total, "entry", "entries")} checked` : "Starting"}
        className="h-2 overflow-hidden rounded-full bg-stone-200"
      >
        <div
          className={`h-full rounded-full bg-stone-900 transition-[width] ${percent === null ? "w-1/4 animate-pulse" : ""}`}
          style={percent === null ? undefined : { width: `${percent}%` }}
        />
      </div>
      <p className="mt-2 text-sm tabular-nums text-stone-600">{total ? `${formatCount(checked)} / ${countOf(total, "entry", "entries")} checked` : "Reading the log…"}</p>
    </div>
  );
}

function VerificationResult({ result, finishedAt }: { result: ChainVerification; finishedAt: string }) {
  const summary = verificationSummary(result);
  return (
    <div
      role="status"
      data-testid="verify-result"
      data-valid={result.valid}
      className={`rounded-lg border px-4 py-3 text-sm ${result.valid ? "border-emerald-200 bg-emerald-50 text-emerald-950" : "border-red-200 bg-red-50 text-red-950"}`}
    >
      <p className="text-base font-semibold">
        <span aria-hidden="true">{result.valid ? "✓ " : "✗ "}</span>
        {summary.headline}
      </p>
      <p className="mt-1">{summary.counts}.</p>
      {summary.start === null ? null : (
        <p data-testid="verify-start" className="mt-2">
          {summary.start}
        </p>
      )}
      {summary.unsigned === null ? null : (
        <p data-testid="verify-unsigned" className="mt-2 rounded border border-amber-300 bg-amber-50 px-3 py-2 text-amber-950">
          <span aria-hidden="true">⚠ </span>
          {summary.unsigned}
        </p>
      )}
      {result.valid ? null : (
        <p className="mt-2">
          <span className="font-medium">Problem:</span> {result.problem ?? "unknown"}
          {result.firstBrokenSeq !== null ? (
            <>
              <br />
              <span className="font-medium">First broken entry:</span>{" "}
              <span data-testid="first-broken-seq" className="font-mono">
                #{result.firstBrokenSeq}
              </span>
            </>
          ) : null}
        </p>
      )}
      <dl className="mt-3 grid grid-cols-[6rem_1fr] gap-x-3 gap-y-1 text-xs">
        <dt className="opacity-70">Tree size</dt>
        <dd data-testid="verify-tree-size" className="font-mono">
          {result.treeSize}
        </dd>
        <dt className="opacity-70">Root</dt>
        <dd className="break-all font-mono">{result.rootHash}</dd>
        <dt className="opacity-70">Checked at</dt>
        <dd className="font-mono">{formatDateTime(finishedAt)}</dd>
      </dl>
    </div>
  );
}

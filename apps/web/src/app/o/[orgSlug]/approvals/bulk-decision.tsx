"use client";

import { useState } from "react";
import { Button } from "@/components/button";
import { ApiError, decideApprovals } from "@/lib/api-client";
import { MAX_BULK_DECISION, type Approval, type BulkDecisionResult, type Decision } from "@/lib/approvals";

/** One approval's answer to a bulk vote, with what the inbox knew of it to name it. */
export interface BulkItemResult {
  approvalId: string;
  label: string;
  status?: Approval["status"];
  error?: { code: string; message: string };
}

export interface BulkOutcomeSummary {
  decision: Decision;
  items: BulkItemResult[];
}

interface BulkDecisionBarProps {
  orgSlug: string;
  /** The rows the member ticked, in the list's order. */
  selected: Approval[];
  visibleCount: number;
  allVisibleSelected: boolean;
  onToggleAll: () => void;
  onClear: () => void;
  onDone: (summary: BulkOutcomeSummary) => void;
}

/**
 * "Approve selected" / "Deny selected" for the ticked pending approvals: a confirm step with an
 * optional comment, then one request to the console's bulk route; each approval answers on its own
 * (decided, or refused and why), shown by BulkResults.
 */
export function BulkDecisionBar({ orgSlug, selected, visibleCount, allVisibleSelected, onToggleAll, onClear, onDone }: BulkDecisionBarProps) {
  const [armed, setArmed] = useState<Decision | null>(null);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const count = selected.length;
  const tooMany = count > MAX_BULK_DECISION;

  const submit = async (decision: Decision) => {
    setBusy(true);
    setError(null);
    const labels = new Map(selected.map((a) => [a.id, `${a.actionType} for ${a.agentName}`]));
    try {
      const answer: BulkDecisionResult = await decideApprovals(orgSlug, {
        decision,
        approvalIds: selected.map((a) => a.id),
        ...(reason.trim() ? { reason: reason.trim() } : {}),
      });
      onDone({ decision, items: answer.results.map((r) => ({ ...r, label: labels.get(r.approvalId) ?? r.approvalId })) });
      setArmed(null);
      setReason("");
    } catch (caught) {
      // A refusal of the whole set (none of them found, or none this member may vote on) is every item's answer.
      if (caught instanceof ApiError && (caught.code === "NOT_FOUND" || caught.code === "FORBIDDEN")) {
        onDone({ decision, items: selected.map((a) => ({ approvalId: a.id, label: labels.get(a.id) ?? a.id, error: { code: caught.code, message: caught.message } })) });
        setArmed(null);
      } else {
        setError(caught instanceof Error ? caught.message : "The decision could not be sent.");
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <div data-testid="bulk-bar" className="mb-3 rounded-xl border border-stone-200 bg-white px-4 py-3 text-sm shadow-xs">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <label className="inline-flex items-center gap-2">
          <input type="checkbox" data-testid="bulk-select-all" checked={allVisibleSelected && visibleCount > 0} onChange={onToggleAll} disabled={busy || visibleCount === 0} />
          <span>Select all {visibleCount} shown</span>
        </label>
        <span data-testid="bulk-count" className="tabular-nums text-stone-600">
          {count} selected
        </span>
      </div>
      {count > 0 && !armed ? (
        <div className="mt-3 flex flex-wrap gap-2">
          <Button size="xs" variant="approve" onClick={() => setArmed("approve")} disabled={tooMany}>
            Approve selected
          </Button>
          <Button size="xs" variant="danger" onClick={() => setArmed("deny")} disabled={tooMany}>
            Deny selected
          </Button>
          <Button size="xs" variant="link" onClick={onClear}>
            Clear selection
          </Button>
          {tooMany ? <span className="text-xs text-red-700">At most {MAX_BULK_DECISION} at a time.</span> : null}
        </div>
      ) : null}
      {count > 0 && armed ? (
        <div data-testid="bulk-confirm" className="mt-3 space-y-2">
          <p className="font-medium">
            {armed === "approve" ? "Approve" : "Deny"} {count} {count === 1 ? "approval" : "approvals"}? Each is decided on its own; the ones you may not vote on are refused and
            listed.
          </p>
          <label className="block">
            <span className="text-xs font-medium text-stone-500">Comment (optional, recorded with each vote)</span>
            <textarea
              data-testid="bulk-reason"
              value={reason}
              onChange={(event) => setReason(event.target.value)}
              maxLength={1000}
              rows={2}
              className="mt-1 block w-full rounded-md border border-stone-300 px-2 py-1 text-sm"
            />
          </label>
          <div className="flex flex-wrap items-center gap-2">
            <Button size="xs" variant={armed === "approve" ? "approve" : "danger"} data-testid="bulk-confirm-button" onClick={() => void submit(armed)} disabled={busy}>
              {busy ? `Deciding ${count}…` : `Confirm: ${armed} ${count}`}
            </Button>
            <Button size="xs" variant="link" onClick={() => setArmed(null)} disabled={busy}>
              Cancel
            </Button>
            {busy ? (
              <span role="status" data-testid="bulk-progress" className="text-xs text-stone-500">
                Sending {count} {count === 1 ? "vote" : "votes"}…
              </span>
            ) : null}
          </div>
          {error ? (
            <p role="alert" className="text-xs text-red-700">
              {error}
            </p>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

/** Which approvals the last bulk vote decided (or left waiting for more votes), and which it refused, with why. */
export function BulkResults({ summary, onDismiss }: { summary: BulkOutcomeSummary; onDismiss: () => void }) {
  const done = summary.items.filter((i) => i.status);
  const refused = summary.items.filter((i) => i.error);
  const verb = summary.decision === "approve" ? "Approved" : "Denied";
  return (
    <div role="status" data-testid="bulk-results" className="mt-4 rounded-lg border border-stone-200 bg-stone-50 px-4 py-3 text-sm">
      <div className="flex items-center justify-between gap-3">
        <span data-testid="bulk-summary" className="font-medium">
          {verb} {done.length} of {summary.items.length}
          {refused.length ? `; ${refused.length} refused` : ""}.
        </span>
        <Button size="xs" variant="link" onClick={onDismiss}>
          Dismiss
        </Button>
      </div>
      <ul className="mt-2 space-y-1 text-xs">
        {done.map((item) => (
          <li key={item.approvalId} data-testid="bulk-result-decided" data-approval-id={item.approvalId} className="text-emerald-800">
            {item.label}: {item.status === "pending" ? "vote recorded, waits for another approver" : item.status}
          </li>
        ))}
        {refused.map((item) => (
          <li key={item.approvalId} data-testid="bulk-result-refused" data-approval-id={item.approvalId} data-code={item.error?.code} className="text-red-800">
            {item.label}: refused — {item.error?.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

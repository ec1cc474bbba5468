"use client";

import { GrantForm } from "./grants";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type ReactNode, type RefObject } from "react";
import { ApiError, decideApproval, fetchApproval, fetchAuditPage } from "@/lib/api-client";
import { approvalKeys, expiresIn, formatSpan, type Approval, type Decision } from "@/lib/approvals";
import { summarize } from "@/lib/audit";
import { Button } from "@/components/button";
import { KeyValueList } from "@/components/key-value-list";
import { ContentFindings } from "@/components/content-findings";
import { findingsOf } from "@/lib/content-findings";
import { delegatedByText } from "@/lib/delegations";
import { formatDateTime } from "@/lib/format";

interface ApprovalDetailProps {
  orgSlug: string;
  approvalId: string;
  /** The approval as the list has it, shown until (and unless) the detail query answers. */
  listed: Approval | undefined;
  listedAt: number;
  now: number;
  armed: Decision | null;
  onArm: (decision: Decision | null) => void;
  onDecided: (approval: Approval, decision: Decision) => void;
  reasonRef: RefObject<HTMLTextAreaElement | null>;
}

/** Everything about one approval, and the member's vote on it. */
export function ApprovalDetail({ orgSlug, approvalId, listed, listedAt, now, armed, onArm, onDecided, reasonRef }: ApprovalDetailProps) {
  const query = useQuery({
    queryKey: approvalKeys.detail(orgSlug, approvalId),
    queryFn: ({ signal }) => fetchApproval(orgSlug, approvalId, signal),
    initialData: () => listed,
    initialDataUpdatedAt: listedAt,
  });
  const approval = query.data ?? listed;

  if (!approval) {
    return query.isError ? (
      <div role="alert" className="rounded-xl border border-red-200 bg-white p-6 text-sm text-stone-700">
        This approval could not load: {query.error.message}
      </div>
    ) : (
      <div aria-busy="true" className="h-96 animate-pulse rounded-xl border border-stone-200 bg-white">
        <span className="sr-only">Loading the approval…</span>
      </div>
    );
  }

  const pending = approval.status === "pending";
  return (
    <article
      aria-labelledby="approval-detail-heading"
      data-testid="approval-detail"
      data-approval-id={approval.id}
      className="rounded-xl border border-stone-200 bg-white shadow-xs"
    >
      <header className="border-b border-stone-100 px-5 py-4">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <h2 id="approval-detail-heading" className="font-mono text-lg font-semibold text-stone-900">
            {approval.actionType}
          </h2>
          <ApprovalStatusBadge status={approval.status} />
        </div>
        <p className="mt-1 text-sm text-stone-600">
          Requested by agent <span className="font-medium text-stone-900">{approval.agentName}</span>
          {approval.delegation && approval.delegation.chain.length > 1 ? (
            <span data-testid="approval-chain">, delegated by {delegatedByText(approval.delegation.chain)}</span>
          ) : null}{" "}
          <span title={formatDateTime(approval.createdAt)}>{formatSpan(now - Date.parse(approval.createdAt))} ago</span>
          {approval.requestedBy ? (
            <>
              {" "}
              on behalf of <span className="font-medium text-stone-900">{approval.requestedBy}</span>
            </>
          ) : null}
          {pending ? (
            <>
              {" "}
              · expires <span title={formatDateTime(approval.expiresAt)}>{expiresIn(approval, now)}</span>
            </>
          ) : null}
        </p>
        <p className="mt-0.5 font-mono text-xs text-stone-400">{approval.id}</p>
      </header>

      <div className="space-y-5 px-5 py-4">
        <Quorum approval={approval} />

        {pending ? (
          approval.viewer?.canDecide ? (
            <>
              <DecisionForm orgSlug={orgSlug} approval={approval} armed={armed} onArm={onArm} onDecided={onDecided} reasonRef={reasonRef} />
              <GrantForm orgSlug={orgSlug} approval={approval} onGranted={(granted) => onDecided(granted, "approve")} />
            </>
          ) : (
            <p data-testid="cannot-decide" className="rounded-lg bg-stone-100 px-3 py-2 text-sm text-stone-700">
              You cannot decide this approval: {approval.viewer?.reason ?? "your role may not vote on it"}.
            </p>
          )
        ) : (
          <Outcome approval={approval} />
        )}

        <Votes approval={approval} />

        <Section title="Policy">
          <p className="text-sm text-stone-800">
            {approval.policyName ?? <span className="text-stone-400">—</span>}
            {approval.policyVersion !== null ? <span className="ml-1.5 text-xs text-stone-500">v{approval.policyVersion}</span> : null}
          </p>
          <Conditions approval={approval} />
        </Section>

        <div className="grid gap-4 md:grid-cols-2">
          <Section title="Metadata">
            <KeyValueList value={approval.metadata} empty="No metadata." testId="approval-metadata" />
          </Section>
          <Section title="Data accessed">
            <KeyValueList value={approval.dataAccessed} empty="None declared." testId="approval-data-accessed" />
          </Section>
        </div>

        <ContentFindings findings={findingsOf(approval.result.findings)} headingClass="mb-1 text-xs font-semibold uppercase tracking-wide text-stone-500" />

        <AgentDecisions orgSlug={orgSlug} approval={approval} now={now} />
      </div>
    </article>
  );
}

function DecisionForm({
  orgSlug,
  approval,
  armed,
  onArm,
  onDecided,
  reasonRef,
}: {
  orgSlug: string;
  approval: Approval;
  armed: Decision | null;
  onArm: (decision: Decision | null) => void;
  onDecided: (approval: Approval, decision: Decision) => void;
  reasonRef: RefObject<HTMLTextAreaElement | null>;
}) {
  const queryClient = useQueryClient();
  const [reason, setReason] = useState("");
  const mutation = useMutation({
    mutationFn: (decision: Decision) => decideApproval(orgSlug, approval.id, { decision, ...(reason.trim() ? { reason: reason.trim() } : {}) }),
    onSuccess: (result, decision) => onDecided(result, decision),
    onError: (error) => {
      // Decided, expired or voted meanwhile (409): show how it stands now.
      if (error instanceof ApiError && error.status === 409) void queryClient.invalidateQueries({ queryKey: approvalKeys.all(orgSlug) });
    },
  });

  useEffect(() => {
    if (armed) reasonRef.current?.focus();
  }, [armed, reasonRef]);

  const decide = (decision: Decision) => {
    if (!mutation.isPending) mutation.mutate(decision);
  };

  return (
    <form
      aria-label="Decision"
      onSubmit={(event) => {
        event.preventDefault();
        if (armed) decide(armed);
      }}
      className="space-y-3"
    >
      <div>
        <label htmlFor="decision-reason" className="block text-sm font-medium text-stone-800">
          Reason <span className="font-normal text-stone-500">(optional)</span>
        </label>
        <textarea
          id="decision-reason"
          ref={reasonRef}
          value={reason}
          onChange={(event) => setReason(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === "Enter" && !event.shiftKey && armed) {
              event.preventDefault();
              decide(armed);
            } else if (event.key === "Escape") {
              event.preventDefault();
              onArm(null);
              event.currentTarget.blur();
            }
          }}
          rows={2}
          maxLength={1000}
          placeholder="Why? The agent and the audit log keep it."
          className="mt-1 block w-full rounded-md border border-stone-300 px-3 py-2 text-sm shadow-xs focus:border-stone-500"
        />
        <p aria-live="polite" className="mt-1 min-h-4 text-xs text-stone-500">
          {armed ? `Press Enter to ${armed}, Esc to cancel.` : ""}
        </p>
      </div>
      <div className="flex flex-wrap items-center gap-2">
        <Button
          size="md"
          variant="approve"
          onClick={() => decide("approve")}
          disabled={mutation.isPending}
          aria-keyshortcuts="a"
          className={armed === "approve" ? "ring-2 ring-emerald-400 ring-offset-2" : undefined}
        >
          {mutation.isPending && mutation.variables === "approve" ? "Approving…" : "Approve"}
        </Button>
        <Button
          size="md"
          variant="danger"
          onClick={() => decide("deny")}
          disabled={mutation.isPending}
          aria-keyshortcuts="d"
          className={armed === "deny" ? "ring-2 ring-red-400 ring-offset-2" : undefined}
        >
          {mutation.isPending && mutation.variables === "deny" ? "Denying…" : "Deny"}
        </Button>
        {armed ? (
          <Button size="md" variant="link" onClick={() => onArm(null)}>
            Cancel
          </Button>
        ) : null}
      </div>
      {mutation.isError ? (
        <p role="alert" className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          Your decision was not recorded: {mutation.error.message}
          {mutation.error instanceof ApiError && mutation.error.requestId ? <span className="ml-1 font-mono text-xs text-red-600">({mutation.error.requestId})</span> : null}
        </p>
      ) : null}
    </form>
  );
}

function Quorum({ approval }: { approval: Approval }) {
  const share = Math.min(1, approval.approvals / Math.max(1, approval.quorum));
  return (
    <div>
      <div className="flex items-baseline justify-between text-sm">
        <span id="quorum-label" className="font-medium text-stone-800">
          Quorum
        </span>
        <span data-testid="detail-quorum" className="tabular-nums text-stone-600">
          {approval.approvals} of {approval.quorum} {approval.quorum === 1 ? "approval" : "approvals"}
        </span>
      </div>
      <div
        role="progressbar"
        aria-labelledby="quorum-label"
        aria-valuemin={0}
        aria-valuemax={approval.quorum}
        aria-valuenow={approval.approvals}
        className="mt-1.5 h-1.5 overflow-hidden rounded-full bg-stone-100"
      >
        <div className="h-full rounded-full bg-emerald-600" style={{ width: `${share * 100}%` }} />
      </div>
    </div>
  );
}

function Outcome({ approval }: { approval: Approval }) {
  const when = approval.decidedAt ? formatDateTime(approval.decidedAt) : null;
  let text: ReactNode;
  switch (approval.status) {
    case "approved":
    case "denied":
      text = (
        <>
          {approval.status === "approved" ? "Approved" : "Denied"}
          {approval.decidedBy ? <> by {approval.decidedBy.name || approval.decidedBy.email}</> : null}
          {when ? <> at {when}</> : null}
          {approval.decisionReason ? <>: “{approval.decisionReason}”</> : "."}
        </>
      );
      break;
    case "expired":
      text = <>Nobody decided before {formatDateTime(approval.expiresAt)}; the action was denied (APPROVAL_EXPIRED).</>;
      break;
    case "cancelled":
      text = <>Cancelled{when ? <> at {when}</> : null} because the agent was halted (AGENT_HALTED).</>;
      break;
    default:
      text = null;
  }
  return (
    <p data-testid="approval-outcome" className="rounded-lg bg-stone-100 px-3 py-2 text-sm text-stone-700">
      {text}
    </p>
  );
}

function Votes({ approval }: { approval: Approval }) {
  return (
    <Section title="Votes">
      {approval.votes.length === 0 ? (
        <p className="text-sm text-stone-500">No votes yet.</p>
      ) : (
        <ul className="divide-y divide-stone-100 text-sm">
          {approval.votes.map((vote) => (
            <li key={`${vote.member.id}-${vote.at}`} className="flex flex-wrap items-baseline justify-between gap-x-3 py-1.5">
              <span>
                <span className="font-medium text-stone-900">{vote.member.name || vote.member.email}</span>{" "}
                <span className={vote.decision === "approve" ? "text-emerald-700" : "text-red-700"}>{vote.decision === "approve" ? "approved" : "denied"}</span>
                {vote.reason ? <span className="text-stone-600">: “{vote.reason}”</span> : null}
              </span>
              <time dateTime={vote.at} className="text-xs tabular-nums text-stone-500">
                {formatDateTime(vote.at)}
              </time>
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

const show = (value: unknown) => (value === undefined ? "—" : JSON.stringify(value));

function Conditions({ approval }: { approval: Approval }) {
  if (approval.conditionsEvaluated.length === 0) {
    return <p className="mt-1 text-sm text-stone-500">The policy asks for approval without conditions.</p>;
  }
  return (
    <div className="mt-2 overflow-x-auto rounded-lg border border-stone-200">
      <table className="w-full text-left text-xs">
        <caption className="sr-only">Conditions that asked for approval</caption>
        <thead className="bg-stone-50 text-stone-500">
          <tr>
            <th scope="col" className="px-3 py-1.5 font-medium">
              Field
            </th>
            <th scope="col" className="px-3 py-1.5 font-medium">
              Operator
            </th>
            <th scope="col" className="px-3 py-1.5 font-medium">
              Expected
            </th>
            <th scope="col" className="px-3 py-1.5 font-medium">
              Actual
            </th>
            <th scope="col" className="px-3 py-1.5 font-medium">
              Result
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-stone-100 font-mono text-stone-800">
          {approval.conditionsEvaluated.map((condition, i) => (
            <tr key={i}>
              <td className="px-3 py-1.5">{condition.field}</td>
              <td className="px-3 py-1.5">{condition.operator}</td>
              <td className="px-3 py-1.5">{show(condition.expected)}</td>
              <td className="px-3 py-1.5">{show(condition.actual)}</td>
              <td className={`px-3 py-1.5 ${condition.result ? "text-emerald-700" : "text-stone-500"}`}>{String(condition.result)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AgentDecisions({ orgSlug, approval, now }: { orgSlug: string; approval: Approval; now: number }) {
  const query = useQuery({
    queryKey: approvalKeys.agentDecisions(orgSlug, approval.agentId),
    queryFn: ({ signal }) => fetchAuditPage(orgSlug, { type: "action.decided", agentId: approval.agentId, limit: 10 }, signal),
  });
  return (
    <Section title={`Recent decisions for ${approval.agentName}`}>
      {query.isPending ? (
        <p className="text-sm text-stone-500">Loading…</p>
      ) : query.isError ? (
        <p role="alert" className="text-sm text-red-700">
          Could not load them: {query.error.message}
        </p>
      ) : query.data.events.length === 0 ? (
        <p className="text-sm text-stone-500">None yet.</p>
      ) : (
        <ul className="divide-y divide-stone-100 text-xs">
          {query.data.events.map((entry) => {
            const summary = summarize(entry);
            return (
              <li key={entry.id} className="flex items-baseline justify-between gap-3 py-1.5">
                <span className="min-w-0 truncate">
                  <span className="font-mono text-stone-800">{summary.actionType ?? "—"}</span>{" "}
                  <span className={DECISION_COLOURS[summary.status ?? "requested"]}>{summary.status ?? "—"}</span>
                  {summary.policyName ? <span className="text-stone-500"> · {summary.policyName}</span> : null}
                  {entry.id === approval.auditEventId ? <span className="ml-1 text-stone-500">(this request)</span> : null}
                </span>
                <time dateTime={entry.createdAt} title={formatDateTime(entry.createdAt)} className="shrink-0 tabular-nums text-stone-500">
                  {formatSpan(now - Date.parse(entry.createdAt))} ago
                </time>
              </li>
            );
          })}
        </ul>
      )}
    </Section>
  );
}

const DECISION_COLOURS = { executed: "text-emerald-700", requested: "text-amber-700", denied: "text-red-700" } as const;

const STATUS_STYLES: Record<Approval["status"], string> = {
  pending: "bg-amber-50 text-amber-800 ring-amber-600/20",
  approved: "bg-emerald-50 text-emerald-800 ring-emerald-600/20",
  denied: "bg-red-50 text-red-800 ring-red-600/20",
  expired: "bg-stone-100 text-stone-700 ring-stone-500/20",
  cancelled: "bg-stone-100 text-stone-700 ring-stone-500/20",
};

export function ApprovalStatusBadge({ status }: { status: Approval["status"] }) {
  return (
    <span data-testid="approval-status" className={`inline-flex shrink-0 items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${STATUS_STYLES[status]}`}>
      {status}
    </span>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section>
      <h3 className="mb-1 text-xs font-semibold uppercase tracking-wide text-stone-500">{title}</h3>
      {children}
    </section>
  );
}

"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { Button } from "@/components/button";
import { FormAlert } from "@/components/form-fields";
import { KeyTable, NewKeyFields } from "@/components/key-table";
import { LoadError, RowsSkeleton } from "@/components/panel-states";
import { fetchApprovalPage, fetchAuditPage } from "@/lib/api-client";
import {
  agentKeys,
  haltedByText,
  labelText,
  PRESENCE,
  fetchAgent,
  fetchAgentKeys,
  issueAgentKey,
  newKeyBody,
  revokeKey,
  setAgentStatus,
  type AgentOverview,
  type IssuedAgentKey,
} from "@/lib/agents";
import { countOf, formatDateTime } from "@/lib/format";
import { DenialReason } from "@/components/denial-reason";
import { findingLine, findingsOf } from "@/lib/content-findings";
import { breakerLabel, breakerTone, CallCoverage, IntegrationList, Pill, SecretOnce } from "../secret-once";
import { DelegationChain, Delegations } from "./delegations";
import { INPUT_CLASS } from "@/components/form-fields";

const RECENT = 20;

interface Props {
  orgSlug: string;
  initial: AgentOverview;
  canManage: boolean;
  canManageKeys: boolean;
  readsApprovals: boolean;
  canRevokeDelegations: boolean;
  /** A delegate's chain, root first and itself last; null for a root agent. */
  chain: Array<{ agentId: string; name: string }> | null;
}

export function AgentDetail({ orgSlug, initial, canManage, canManageKeys, readsApprovals, canRevokeDelegations, chain }: Props) {
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: agentKeys.one(orgSlug, initial.id), queryFn: ({ signal }) => fetchAgent(orgSlug, initial.id, signal), initialData: initial });
  const agent = query.data;
  const status = useMutation({
    mutationFn: ({ verb, reason }: { verb: "halt" | "resume"; reason: string }) => setAgentStatus(orgSlug, agent.id, verb, reason),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: agentKeys.all(orgSlug) }),
  });
  const submitStatus = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const reason = String(new FormData(form).get("reason") ?? "").trim();
    status.mutate({ verb: agent.status === "active" ? "halt" : "resume", reason }, { onSuccess: () => form.reset() });
  };

  return (
    <div className="space-y-8">
      <div>
        <Link href={`/o/${encodeURIComponent(orgSlug)}/agents`} className="text-sm text-stone-500 hover:text-stone-900">
          ← Agents
        </Link>
        <div className="mt-2 flex flex-wrap items-center gap-3">
          <h1 className="text-xl font-semibold">{agent.name}</h1>
          <span data-testid="agent-status">
            <Pill tone={agent.status === "active" ? "ok" : "bad"}>{agent.status}</Pill>
          </span>
          <span data-testid="agent-presence" title={PRESENCE[agent.presence].title}>
            <Pill tone={PRESENCE[agent.presence].tone}>{agent.presence}</Pill>
          </span>
          <Pill tone={breakerTone(agent.cbState)}>breaker {breakerLabel(agent.cbState)}</Pill>
        </div>
        {chain ? <DelegationChain orgSlug={orgSlug} chain={chain} /> : null}
        {agent.description ? <p className="mt-1 text-sm text-stone-600">{agent.description}</p> : null}
        <dl className="mt-3 grid max-w-2xl grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
          <dt className="text-stone-500">Labels</dt>
          <dd className="font-mono text-xs">{labelText(agent.labels) || "—"}</dd>
          <dt className="text-stone-500">Created</dt>
          <dd>
            {formatDateTime(agent.createdAt)}
            {agent.createdBy ? ` by ${agent.createdBy.name || agent.createdBy.email}` : ""}
          </dd>
          <dt className="text-stone-500">Last activity</dt>
          <dd>{agent.lastActivityAt ? formatDateTime(agent.lastActivityAt) : "never"}</dd>
          <dt className="text-stone-500">Last seen</dt>
          <dd data-testid="agent-last-seen">{agent.lastSeenAt ? formatDateTime(agent.lastSeenAt) : "never"}</dd>
          <dt className="text-stone-500">Integrations (7 days)</dt>
          <dd data-testid="agent-integrations">
            <IntegrationList integrations={agent.integrations} ungoverned={agent.toolCallsUngoverned} detailed />
          </dd>
          <dt className="text-stone-500">Calls (30 days)</dt>
          <dd data-testid="agent-calls">
            <CallCoverage calls={agent.calls} detailed />
          </dd>
          {agent.status === "halted" ? (
            <>
              <dt className="text-stone-500">Halted</dt>
              <dd data-testid="halted-reason">
                {formatDateTime(agent.haltedAt)}
                {haltedByText(agent)}
                {agent.haltedReason ? `: ${agent.haltedReason}` : ""}
              </dd>
            </>
          ) : null}
        </dl>
      </div>

      {canManage ? (
        <form
          onSubmit={submitStatus}
          aria-label={agent.status === "active" ? "Halt agent" : "Resume agent"}
          className="max-w-xl space-y-2 rounded-xl border border-stone-200 bg-white p-4"
        >
          <h2 className="text-sm font-semibold">{agent.status === "active" ? "Halt this agent" : "Resume this agent"}</h2>
          <p className="text-xs text-stone-600">
            {agent.status === "active"
              ? "Its next call is denied with AGENT_HALTED on every instance, and its pending approvals are cancelled."
              : "Its calls are decided by policy again."}
          </p>
          {status.error ? <FormAlert>{status.error.message}</FormAlert> : null}
          <label className="block space-y-1 text-sm font-medium text-stone-700">
            <span>Reason</span>
            <input name="reason" required maxLength={500} className={INPUT_CLASS} />
          </label>
          <Button type="submit" variant={agent.status === "active" ? "danger" : "primary"} disabled={status.isPending}>
            {agent.status === "active" ? "Halt agent" : "Resume agent"}
          </Button>
        </form>
      ) : null}

      <Delegations orgSlug={orgSlug} agentId={agent.id} canRevoke={canRevokeDelegations} />
      {canManageKeys ? <AgentKeys orgSlug={orgSlug} agentId={agent.id} isDelegate={chain !== null} /> : null}
      <RecentDecisions orgSlug={orgSlug} agentId={agent.id} />
      {readsApprovals ? <AgentApprovals orgSlug={orgSlug} agentId={agent.id} /> : null}
    </div>
  );
}

/** A delegate's keys can be revoked here but none issued: its one key is its delegation's. */
function AgentKeys({ orgSlug, agentId, isDelegate }: { orgSlug: string; agentId: string; isDelegate: boolean }) {
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: agentKeys.keys(orgSlug, agentId), queryFn: ({ signal }) => fetchAgentKeys(orgSlug, agentId, signal) });
  const [issued, setIssued] = useState<IssuedAgentKey | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: agentKeys.all(orgSlug) });
  const issue = useMutation({
    mutationFn: (body: { name?: string; expiresInDays?: number }) => issueAgentKey(orgSlug, agentId, body),
    onSuccess: (key) => (setIssued(key), refresh()),
  });
  const revoke = useMutation({ mutationFn: (keyId: string) => revokeKey(orgSlug, keyId), onSuccess: refresh });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    issue.mutate(newKeyBody(new FormData(event.currentTarget)));
  };

  return (
    <section aria-labelledby="agent-keys" className="space-y-3">
      <h2 id="agent-keys" className="text-lg font-semibold">
        Keys
      </h2>
      {isDelegate ? (
        <p className="text-sm text-stone-600">A delegate has one key, the one its delegation issued; revoking it revokes the delegation.</p>
      ) : (
        <form onSubmit={submit} aria-label="Issue agent key" className="flex flex-wrap items-end gap-2">
          <NewKeyFields namePlaceholder="default" />
          <Button type="submit" disabled={issue.isPending}>
            Issue key
          </Button>
        </form>
      )}
      {issue.error ? <FormAlert>{issue.error.message}</FormAlert> : null}
      {revoke.error ? <FormAlert>{revoke.error.message}</FormAlert> : null}
      {issued ? <SecretOnce title="The new key" secret={issued.apiKey} /> : null}
      {query.isPending ? (
        <RowsSkeleton rows={2} label="Loading keys…" />
      ) : query.isError ? (
        <LoadError what="keys" error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        <KeyTable keys={query.data.keys} rowTestId="key-row" onRevoke={(id) => revoke.mutate(id)} revoking={revoke.isPending ? revoke.variables : undefined} />
      )}
    </section>
  );
}

function RecentDecisions({ orgSlug, agentId }: { orgSlug: string; agentId: string }) {
  const query = useQuery({
    queryKey: ["audit", orgSlug, "agent-decisions", agentId],
    queryFn: ({ signal }) => fetchAuditPage(orgSlug, { agentId, type: "action.decided", limit: RECENT }, signal),
    refetchInterval: 5_000,
  });
  return (
    <section aria-labelledby="agent-decisions" className="space-y-3">
      <h2 id="agent-decisions" className="text-lg font-semibold">
        Recent decisions
      </h2>
      {query.isPending ? (
        <RowsSkeleton rows={3} label="Loading decisions…" />
      ) : query.isError ? (
        <LoadError what="decisions" error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.events.length === 0 ? (
        <p className="text-sm text-stone-500">No decisions yet.</p>
      ) : (
        <ul className="divide-y divide-stone-100 rounded-xl border border-stone-200 bg-white">
          {query.data.events.map((entry) => {
            const findings = findingsOf(entry.data.findings);
            return (
              <li key={entry.id} data-testid="decision-row" className="flex flex-wrap items-center gap-3 px-4 py-2 text-sm">
                <span className="font-mono text-xs">{String(entry.data.actionType ?? "")}</span>
                <Pill tone={entry.data.status === "executed" ? "ok" : entry.data.status === "denied" ? "bad" : "warn"}>{String(entry.data.status ?? "")}</Pill>
                {typeof entry.data.denialReason === "string" ? <DenialReason code={entry.data.denialReason} className="min-w-0 text-xs text-stone-600" /> : null}
                {findings.length > 0 ? (
                  <span data-testid="decision-findings" title={findings.map(findingLine).join("\n")} className="text-xs text-amber-800">
                    {countOf(findings.length, "finding")}
                  </span>
                ) : null}
                <span className="ml-auto text-xs text-stone-500">{formatDateTime(entry.createdAt)}</span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function AgentApprovals({ orgSlug, agentId }: { orgSlug: string; agentId: string }) {
  const query = useQuery({
    queryKey: ["approvals", orgSlug, "agent", agentId],
    queryFn: ({ signal }) => fetchApprovalPage(orgSlug, { status: "all", agentId, limit: RECENT }, signal),
  });
  return (
    <section aria-labelledby="agent-approvals" className="space-y-3">
      <h2 id="agent-approvals" className="text-lg font-semibold">
        Approvals
      </h2>
      {query.isPending ? (
        <RowsSkeleton rows={2} label="Loading approvals…" />
      ) : query.isError ? (
        <LoadError what="approvals" error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.approvals.length === 0 ? (
        <p className="text-sm text-stone-500">No approvals.</p>
      ) : (
        <ul className="divide-y divide-stone-100 rounded-xl border border-stone-200 bg-white">
          {query.data.approvals.map((approval) => (
            <li key={approval.id} className="flex flex-wrap items-center gap-3 px-4 py-2 text-sm">
              <Link href={`/o/${encodeURIComponent(orgSlug)}/approvals`} className="font-mono text-xs underline">
                {approval.actionType}
              </Link>
              <Pill tone={approval.status === "approved" ? "ok" : approval.status === "pending" ? "warn" : approval.status === "denied" ? "bad" : "muted"}>{approval.status}</Pill>
              <span className="ml-auto text-xs text-stone-500">{formatDateTime(approval.createdAt)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { Button } from "@/components/button";
import { FormAlert } from "@/components/form-fields";
import { EmptyBox, RefreshErrorBanner } from "@/components/panel-states";
import { agentKeys, labelText, createAgent, fetchAgents, parseLabels, PRESENCE, type AgentList, type CreatedAgent } from "@/lib/agents";
import { delegateOf, isEndedDelegate } from "@/lib/delegations";
import { formatDateTime } from "@/lib/format";
import { AgentSnippets, breakerLabel, breakerTone, CallCoverage, IntegrationList, Pill, SecretOnce } from "./secret-once";
import { INPUT_CLASS } from "@/components/form-fields";

export function AgentsList({ orgSlug, initial, canManage, apiUrl }: { orgSlug: string; initial: AgentList; canManage: boolean; apiUrl: string }) {
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: agentKeys.list(orgSlug), queryFn: ({ signal }) => fetchAgents(orgSlug, signal), initialData: initial });
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedAgent | null>(null);
  const create = useMutation({
    mutationFn: (body: Parameters<typeof createAgent>[1]) => createAgent(orgSlug, body),
    onSuccess: (agent) => {
      setCreated(agent);
      setCreating(false);
      void queryClient.invalidateQueries({ queryKey: agentKeys.all(orgSlug) });
    },
  });

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const description = String(form.get("description") ?? "").trim();
    create.mutate({ name: String(form.get("name") ?? "").trim(), ...(description ? { description } : {}), labels: parseLabels(String(form.get("labels") ?? "")) });
  };

  // Revoked delegates (halted by their revoke) stay in the org's list; they are shown on request only.
  const [showEnded, setShowEnded] = useState(false);
  const ended = query.data.agents.filter(isEndedDelegate);
  const agents = showEnded ? query.data.agents : query.data.agents.filter((agent) => !ended.includes(agent));
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <h1 className="text-xl font-semibold">Agents</h1>
          <p className="mt-1 text-sm text-stone-600">Every agent calls the API with its own key; halting one denies its next call on every instance.</p>
        </div>
        {canManage && !creating ? (
          <Button variant="primary" onClick={() => (setCreated(null), setCreating(true))}>
            New agent
          </Button>
        ) : null}
      </div>

      {creating ? (
        <form onSubmit={submit} aria-label="New agent" className="max-w-xl space-y-3 rounded-xl border border-stone-200 bg-white p-4">
          {create.error ? <FormAlert>{create.error.message}</FormAlert> : null}
          <label className="block space-y-1 text-sm font-medium text-stone-700">
            <span>Name</span>
            <input name="name" required maxLength={100} pattern="[A-Za-z0-9][A-Za-z0-9._\-]*" className={INPUT_CLASS} />
          </label>
          <label className="block space-y-1 text-sm font-medium text-stone-700">
            <span>Description</span>
            <input name="description" maxLength={1000} className={INPUT_CLASS} />
          </label>
          <label className="block space-y-1 text-sm font-medium text-stone-700">
            <span>Labels</span>
            <input name="labels" placeholder="team=payments, env=prod" className={INPUT_CLASS} />
          </label>
          <div className="flex gap-2">
            <Button type="submit" variant="primary" disabled={create.isPending}>
              {create.isPending ? "Creating…" : "Create agent"}
            </Button>
            <Button variant="ghost" onClick={() => (setCreating(false), create.reset())}>
              Cancel
            </Button>
          </div>
        </form>
      ) : null}

      {created ? (
        <SecretOnce title={`The key of ${created.name}`} secret={created.apiKey}>
          <AgentSnippets apiUrl={apiUrl} apiKey={created.apiKey} />
          <div className="mt-3 flex gap-2">
            <Link href={`/o/${encodeURIComponent(orgSlug)}/agents/${created.id}`} className="text-sm font-medium text-stone-700 underline">
              Open {created.name}
            </Link>
            <Button size="xs" variant="ghost" onClick={() => setCreated(null)}>
              Done, hide the key
            </Button>
          </div>
        </SecretOnce>
      ) : null}

      <RefreshErrorBanner what="agents" error={query.error} onRetry={() => void query.refetch()} />
      {ended.length > 0 ? (
        <label className="flex items-center gap-2 text-sm text-stone-600">
          <input type="checkbox" checked={showEnded} onChange={(event) => setShowEnded(event.target.checked)} />
          Show {ended.length} revoked delegate{ended.length === 1 ? "" : "s"}
        </label>
      ) : null}
      {agents.length === 0 ? (
        <EmptyBox title="No agents yet">{canManage ? "Create one to get its key." : "An owner or admin creates them."}</EmptyBox>
      ) : (
        <div className="overflow-x-auto rounded-xl border border-stone-200 bg-white">
          <table className="w-full text-left text-sm">
            <thead className="border-b border-stone-200 text-xs text-stone-500">
              <tr>
                <th className="px-4 py-2 font-medium">Name</th>
                <th className="px-4 py-2 font-medium">Status</th>
                <th className="px-4 py-2 font-medium">Presence</th>
                <th className="px-4 py-2 font-medium">Breaker</th>
                <th className="px-4 py-2 font-medium">Last activity</th>
                <th className="px-4 py-2 font-medium">Integrations (7 days)</th>
                <th className="px-4 py-2 font-medium">Calls (30 days)</th>
                <th className="px-4 py-2 font-medium">Labels</th>
                <th className="px-4 py-2 font-medium">Keys</th>
                <th className="px-4 py-2 font-medium">Created by</th>
              </tr>
            </thead>
            <tbody>
              {agents.map((agent) => (
                <tr key={agent.id} data-testid="agent-row" className="border-b border-stone-100 last:border-0">
                  <td className="px-4 py-2.5">
                    <Link href={`/o/${encodeURIComponent(orgSlug)}/agents/${agent.id}`} className="font-medium text-stone-900 underline-offset-2 hover:underline">
                      {agent.name}
                    </Link>
                    {delegateOf(agent) !== null ? (
                      <span data-testid="delegate-badge" className="ml-2">
                        <Pill tone="muted">delegate of {delegateOf(agent)}</Pill>
                      </span>
                    ) : null}
                    {agent.description ? <p className="text-xs text-stone-500">{agent.description}</p> : null}
                  </td>
                  <td className="px-4 py-2.5">
                    <Pill tone={agent.status === "active" ? "ok" : "bad"}>{agent.status}</Pill>
                  </td>
                  <td
                    className="px-4 py-2.5"
                    data-testid="agent-presence"
                    title={`${PRESENCE[agent.presence].title}${agent.lastSeenAt ? ` Last seen ${formatDateTime(agent.lastSeenAt)}.` : ""}`}
                  >
                    <Pill tone={PRESENCE[agent.presence].tone}>{agent.presence}</Pill>
                  </td>
                  <td className="px-4 py-2.5">
                    <Pill tone={breakerTone(agent.cbState)}>{breakerLabel(agent.cbState)}</Pill>
                  </td>
                  <td className="px-4 py-2.5 text-xs text-stone-600">{agent.lastActivityAt ? formatDateTime(agent.lastActivityAt) : "never"}</td>
                  <td className="px-4 py-2.5 text-xs text-stone-600" data-testid="agent-integrations">
                    <IntegrationList integrations={agent.integrations} ungoverned={agent.toolCallsUngoverned} />
                  </td>
                  <td className="px-4 py-2.5 text-xs text-stone-600" data-testid="agent-calls">
                    <CallCoverage calls={agent.calls} />
                  </td>
                  <td className="px-4 py-2.5 font-mono text-xs text-stone-600">{labelText(agent.labels) || "—"}</td>
                  <td className="px-4 py-2.5 tabular-nums">{agent.keyCount}</td>
                  <td className="px-4 py-2.5 text-xs text-stone-600">{agent.createdBy ? agent.createdBy.name || agent.createdBy.email : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { Button } from "@/components/button";
import { FormAlert } from "@/components/form-fields";
import { LoadError, RowsSkeleton } from "@/components/panel-states";
import { agentKeys } from "@/lib/agents";
import { formatDateTime } from "@/lib/format";
import {
  activeDescendants,
  delegatedByText,
  delegationKeys,
  delegationState,
  fetchAgentDelegations,
  relativeTime,
  revokeDelegation,
  treeOrder,
  type AgentDelegations,
  type DelegationNode,
} from "@/lib/delegations";
import { Pill } from "../secret-once";

const agentHref = (orgSlug: string, agentId: string) => `/o/${encodeURIComponent(orgSlug)}/agents/${encodeURIComponent(agentId)}`;

/** "Delegated by build-agent ← root", each a link to its agent page. */
export function DelegationChain({ orgSlug, chain }: { orgSlug: string; chain: NonNullable<AgentDelegations["chain"]> }) {
  const delegators = chain.slice(0, -1).reverse();
  return (
    <p data-testid="delegation-chain" title={`Delegated by ${delegatedByText(chain.map((link) => link.name))}`} className="mt-1 text-sm text-stone-600">
      Delegated by{" "}
      {delegators.map((link, index) => (
        <span key={link.agentId}>
          {index > 0 ? " ← " : ""}
          <Link href={agentHref(orgSlug, link.agentId)} className="font-medium underline">
            {link.name}
          </Link>
        </span>
      ))}
    </p>
  );
}

/**
 * The agent's delegation tree (children, grandchildren…), kept fresh by the org's live events
 * (delegation.created|revoked|expired, LiveEvents) and, for members without them, by refetching every
 * few seconds, on focus and after a revoke; a member holding delegations.revoke revokes any node (and so its subtree).
 */
export function Delegations({ orgSlug, agentId, canRevoke }: { orgSlug: string; agentId: string; canRevoke: boolean }) {
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: delegationKeys.ofAgent(orgSlug, agentId),
    queryFn: ({ signal }) => fetchAgentDelegations(orgSlug, agentId, signal),
    refetchInterval: 5_000,
    refetchOnWindowFocus: true,
  });
  const [confirming, setConfirming] = useState<string | null>(null);
  const revoke = useMutation({
    mutationFn: (delegationId: string) => revokeDelegation(orgSlug, delegationId),
    onSuccess: () => {
      setConfirming(null);
      void queryClient.invalidateQueries({ queryKey: delegationKeys.all(orgSlug) });
      void queryClient.invalidateQueries({ queryKey: agentKeys.all(orgSlug) });
    },
  });
  const nodes = query.data ? treeOrder(query.data.delegations) : [];
  const now = Date.now();

  return (
    <section aria-labelledby="agent-delegations" className="space-y-3">
      <h2 id="agent-delegations" className="text-lg font-semibold">
        Delegations
      </h2>
      {revoke.error ? <FormAlert>{revoke.error.message}</FormAlert> : null}
      {query.isPending ? (
        <RowsSkeleton rows={2} label="Loading delegations…" />
      ) : query.isError ? (
        <LoadError what="delegations" error={query.error} onRetry={() => void query.refetch()} />
      ) : nodes.length === 0 ? (
        <p className="text-sm text-stone-500">This agent has delegated nothing.</p>
      ) : (
        <ul className="divide-y divide-stone-100 rounded-xl border border-stone-200 bg-white">
          {nodes.map((node) => (
            <DelegationRow
              key={node.id}
              orgSlug={orgSlug}
              node={node}
              depthBelow={node.depth - (nodes[0]?.depth ?? 1)}
              now={now}
              canRevoke={canRevoke}
              descendants={activeDescendants(nodes, node.id)}
              confirming={confirming === node.id}
              onConfirm={() => (revoke.reset(), setConfirming(node.id))}
              onCancel={() => setConfirming(null)}
              onRevoke={() => revoke.mutate(node.id)}
              revoking={revoke.isPending && revoke.variables === node.id}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

interface RowProps {
  orgSlug: string;
  node: DelegationNode;
  depthBelow: number;
  now: number;
  canRevoke: boolean;
  descendants: number;
  confirming: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  onRevoke: () => void;
  revoking: boolean;
}

function DelegationRow({ orgSlug, node, depthBelow, now, canRevoke, descendants, confirming, onConfirm, onCancel, onRevoke, revoking }: RowProps) {
  const state = delegationState(node, now);
  return (
    <li data-testid="delegation-row" data-state={state} className="space-y-2 px-4 py-2 text-sm" style={{ paddingLeft: `${1 + depthBelow * 1.5}rem` }}>
      <div className="flex flex-wrap items-center gap-3">
        <Link href={agentHref(orgSlug, node.childAgentId)} className="font-medium underline">
          {node.name}
        </Link>
        <span className="text-xs text-stone-500">depth {node.depth}</span>
        <Pill tone={state === "active" ? "ok" : state === "revoked" ? "bad" : "muted"}>{state}</Pill>
        <span className="font-mono text-xs">{node.capabilities.join(", ")}</span>
        <span className="ml-auto text-xs text-stone-500">
          {state === "revoked"
            ? `revoked ${formatDateTime(node.revokedAt)}`
            : `${state === "expired" ? "expired" : "expires"} ${relativeTime(node.expiresAt, now)} (${formatDateTime(node.expiresAt)})`}
        </span>
        {canRevoke && state === "active" && !confirming ? (
          <Button size="xs" variant="ghost" aria-label={`Revoke ${node.name}`} onClick={onConfirm}>
            Revoke…
          </Button>
        ) : null}
      </div>
      {confirming ? (
        <div className="space-y-2">
          <p className="text-xs text-stone-700">
            Revoke {node.name}?{" "}
            {descendants > 0
              ? `The revoke cascades: its ${descendants} active descendant${descendants === 1 ? "" : "s"} ${descendants === 1 ? "is" : "are"} revoked with it.`
              : "It has no active descendants."}{" "}
            Keys stop working at once and pending approvals are cancelled.
          </p>
          <div className="flex gap-2">
            <Button size="xs" variant="danger" disabled={revoking} onClick={onRevoke}>
              {revoking ? "Revoking…" : "Revoke"}
            </Button>
            <Button size="xs" onClick={onCancel}>
              Cancel
            </Button>
          </div>
        </div>
      ) : null}
    </li>
  );
}

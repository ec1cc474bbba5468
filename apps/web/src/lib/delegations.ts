import type { DelegationTree } from "@gatehouse/contracts";
import { getJson, orgPath, request } from "./api-client";
import { formatSpan } from "./approvals";

// /api/orgs/[orgSlug]/agents/[agentId]/delegations and /delegations/[id]/revoke answer these shapes.

export type DelegationNode = DelegationTree["delegations"][number];

/** An agent's delegation tree and, for a delegate, its chain (root first, itself last). */
export interface AgentDelegations extends DelegationTree {
  chain: Array<{ agentId: string; name: string }> | null;
}

export interface RevokedDelegations {
  revoked: string[];
}

export type DelegationState = "active" | "expired" | "revoked";

export const delegationKeys = {
  all: (orgSlug: string) => ["delegations", orgSlug] as const,
  ofAgent: (orgSlug: string, agentId: string) => ["delegations", orgSlug, "agent", agentId] as const,
};

const base = orgPath;

export const fetchAgentDelegations = (orgSlug: string, agentId: string, signal?: AbortSignal) =>
  getJson<AgentDelegations>(`${base(orgSlug)}/agents/${encodeURIComponent(agentId)}/delegations`, signal);
export const revokeDelegation = (orgSlug: string, delegationId: string) =>
  request<RevokedDelegations>("POST", `${base(orgSlug)}/delegations/${encodeURIComponent(delegationId)}/revoke`);

/** Revoked wins over expired: a revoked delegation stays "revoked" after its expiry passes. */
export function delegationState(node: { revokedAt: string | null; expiresAt: string }, now = Date.now()): DelegationState {
  if (node.revokedAt) return "revoked";
  return new Date(node.expiresAt).getTime() <= now ? "expired" : "active";
}

/** "in 5m", "2h 10m ago" (formatSpan's span): the distance from `now` to `at`, for a list row beside the exact time. */
export function relativeTime(at: string, now = Date.now()): string {
  const ms = Date.parse(at) - now;
  if (Number.isNaN(ms)) return "";
  return ms >= 0 ? `in ${formatSpan(ms)}` : `${formatSpan(-ms)} ago`;
}

/** The tree in display order (each node followed by its subtree, siblings by creation). */
export function treeOrder<T extends { id: string; parentDelegationId: string | null; createdAt: string }>(nodes: readonly T[]): T[] {
  const ids = new Set(nodes.map((n) => n.id));
  const children = new Map<string | null, T[]>();
  for (const node of nodes) {
    const parent = node.parentDelegationId !== null && ids.has(node.parentDelegationId) ? node.parentDelegationId : null;
    children.set(parent, [...(children.get(parent) ?? []), node]);
  }
  const out: T[] = [];
  const visit = (parent: string | null) => {
    const list = [...(children.get(parent) ?? [])].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    for (const node of list) {
      out.push(node);
      visit(node.id);
    }
  };
  visit(null);
  return out;
}

/** How many of `id`'s descendants a revoke of it would also end (those not already revoked). */
export function activeDescendants(nodes: ReadonlyArray<{ id: string; parentDelegationId: string | null; revokedAt: string | null }>, id: string): number {
  let count = 0;
  const stack = [id];
  while (stack.length > 0) {
    const current = stack.pop();
    for (const node of nodes) {
      if (node.parentDelegationId !== current) continue;
      if (!node.revokedAt) count += 1;
      stack.push(node.id);
    }
  }
  return count;
}

/** "build-agent ← root": a delegate's delegators, its parent first, from its chain of names (root first, the delegate last). */
export function delegatedByText(chain: readonly string[]): string {
  return chain.slice(0, -1).reverse().join(" ← ");
}

/** The parent a delegate agent was created under (the label the API puts on every delegate), or null for a root agent. */
export function delegateOf(agent: { labels: Record<string, string> }): string | null {
  return agent.labels["gatehouse.delegation"] ? (agent.labels["gatehouse.delegatedBy"] ?? "") : null;
}

/** A delegate whose delegation ended (revoked or expired: it is halted for good); lists show it on request only. */
export function isEndedDelegate(agent: { labels: Record<string, string>; status: string }): boolean {
  return delegateOf(agent) !== null && agent.status === "halted";
}

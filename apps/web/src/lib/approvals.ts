import type { Approval, ApprovalList, DecisionBody } from "@gatehouse/contracts";

// /api/orgs/[orgSlug]/approvals* answer the API's own shapes (@gatehouse/contracts); the route
// handlers check at compile time that what @gatehouse/db returns fits them.

/** The approval object of docs/approvals.md, with `viewer` (may the signed-in member vote?). */
export type { Approval, DecisionBody };

export type ApprovalPage = ApprovalList;

export const APPROVAL_PAGE_SIZE = 50;

/** `decided` is every ended approval (approved, denied, expired, cancelled): the History tab. */
export const APPROVAL_LIST_STATUSES = ["pending", "approved", "denied", "expired", "cancelled", "decided", "all"] as const;
export type ApprovalListStatus = (typeof APPROVAL_LIST_STATUSES)[number];

export type Decision = DecisionBody["decision"];

/** Most approvals one "Approve selected" / "Deny selected" sends (the service's own bound). */
export const MAX_BULK_DECISION = 1000;

/** What the console's bulk decision answers: per approval asked, its status now or why the vote was refused. */
export interface BulkDecisionResult {
  results: Array<{ approvalId: string; status: Approval["status"] } | { approvalId: string; error: { code: string; message: string } }>;
}

export interface ApprovalFilters {
  status: ApprovalListStatus;
  agentId?: string;
  actionType?: string;
}

/**
 * TanStack Query keys. Everything under `all(orgSlug)` is refetched when an approval event arrives;
 * the agent's recent decisions when a decision does.
 */
export const approvalKeys = {
  all: (orgSlug: string) => ["approvals", orgSlug] as const,
  /** Every list of one status, whatever its filters. */
  lists: (orgSlug: string, status: ApprovalListStatus) => ["approvals", orgSlug, "list", status] as const,
  list: (orgSlug: string, filters: ApprovalFilters) => ["approvals", orgSlug, "list", filters.status, filters.agentId ?? null, filters.actionType ?? null] as const,
  pendingCount: (orgSlug: string) => ["approvals", orgSlug, "pending-count"] as const,
  detail: (orgSlug: string, approvalId: string) => ["approvals", orgSlug, "detail", approvalId] as const,
  agentDecisions: (orgSlug: string, agentId?: string) => (agentId ? (["agent-decisions", orgSlug, agentId] as const) : (["agent-decisions", orgSlug] as const)),
};

export type ApprovalSort = "newest" | "oldest" | "expiring";

export const APPROVAL_SORTS: ReadonlyArray<{ value: ApprovalSort; label: string }> = [
  { value: "newest", label: "Newest first" },
  { value: "oldest", label: "Oldest first" },
  { value: "expiring", label: "Expiring soonest" },
];

/** The loaded approvals in the chosen order (the API pages newest first). */
export function sortApprovals(approvals: readonly Approval[], sort: ApprovalSort): Approval[] {
  const by = (key: (a: Approval) => number) => [...approvals].sort((a, b) => key(a) - key(b));
  switch (sort) {
    case "newest":
      return by((a) => -Date.parse(a.createdAt));
    case "oldest":
      return by((a) => Date.parse(a.createdAt));
    case "expiring":
      return by((a) => Date.parse(a.expiresAt));
  }
}

/** A short span: "45s", "12m", "3h 5m", "2d 4h". */
export function formatSpan(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours}h` : `${hours}h ${minutes % 60}m`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days}d` : `${days}d ${hours % 24}h`;
}

/** "in 12m" for a pending approval, "overdue" once its deadline passed (the API records the expiry). */
export function expiresIn(approval: Approval, now: number): string {
  const left = Date.parse(approval.expiresAt) - now;
  return left > 0 ? `in ${formatSpan(left)}` : "overdue";
}

/** `admin.approvals`: the org's approvals, voted on as the key's member. */
import { request, type TransportConfig } from "../request.ts";
import type { Approval, ApprovalList, BulkApprovalDecision, DecideApprovalOptions, GrantedApproval, ListApprovalsOptions, RequestOptions, StandingGrantRequest } from "../types.ts";

/**
 * The org's approvals. Voting is as the key's member, with that member's role and
 * separation-of-duties limits (403); voting on a decided or expired approval is a `ConflictError`.
 */
export interface AdminApprovals {
  /** A page of approvals, newest first: `{ approvals, nextCursor }`. */
  list(options?: ListApprovalsOptions): Promise<ApprovalList>;
  /** One approval. */
  get(approvalId: string, options?: RequestOptions): Promise<Approval>;
  /** Votes to approve; the approval is approved (and the action executed) once its quorum is reached. Answers the approval as it then stands. */
  approve(approvalId: string, options?: DecideApprovalOptions): Promise<Approval>;
  /** Votes to deny, which denies the approval at once (a veto). Answers the approval as it then stands. */
  deny(approvalId: string, options?: DecideApprovalOptions): Promise<Approval>;
  /**
   * The same vote on several approvals at once (1 to 1,000 ids), each under the same rules as one
   * vote: the requester cannot approve their own request, a member votes once whatever key they use,
   * and a quorum counts distinct people. A refused vote never fails the others: it is that id's
   * `error` in `results`, in the order sent. Repeating one's own vote answers the approval as it is,
   * so a retry is safe.
   */
  decideMany(approvalIds: readonly string[], decision: "approve" | "deny", options?: DecideApprovalOptions): Promise<BulkApprovalDecision>;
  /**
   * Approves with a standing grant (docs/approvals.md): this request, and later calls of the same action by
   * the same agent whose metadata contains `match` (this request's metadata unless given), for
   * `durationSeconds` and at most `uses` calls, within the org's `grants` settings.
   */
  grant(approvalId: string, grant: StandingGrantRequest, options?: RequestOptions): Promise<GrantedApproval>;
}

export function createAdminApprovals(config: TransportConfig): AdminApprovals {
  const decide = (approvalId: string, decision: "approve" | "deny", options: DecideApprovalOptions): Promise<Approval> =>
    request<Approval>(config, {
      method: "POST",
      path: `/v1/admin/approvals/${encodeURIComponent(approvalId)}/decision`,
      body: { decision, reason: options.reason },
      signal: options.signal,
    });
  return {
    list: (options = {}) => request<ApprovalList>(config, { method: "GET", path: `/v1/admin/approvals${listQuery(options)}`, signal: options.signal }),
    get: (approvalId, options = {}) => request<Approval>(config, { method: "GET", path: `/v1/admin/approvals/${encodeURIComponent(approvalId)}`, signal: options.signal }),
    approve: (approvalId, options = {}) => decide(approvalId, "approve", options),
    deny: (approvalId, options = {}) => decide(approvalId, "deny", options),
    decideMany: (approvalIds, decision, options = {}) =>
      request<BulkApprovalDecision>(config, {
        method: "POST",
        path: "/v1/admin/approvals/decision",
        body: { approvalIds: [...approvalIds], decision, reason: options.reason },
        signal: options.signal,
      }),
    grant: (approvalId, grant, options = {}) =>
      request<GrantedApproval>(config, { method: "POST", path: `/v1/admin/approvals/${encodeURIComponent(approvalId)}/grant`, body: grant, signal: options.signal }),
  };
}

/** `?status=…&agentId=…` from the options that are set, in a stable order; `""` when none is. */
function listQuery(options: ListApprovalsOptions): string {
  const query = new URLSearchParams();
  for (const name of ["status", "agentId", "actionType", "cursor", "limit"] as const) {
    const value = options[name];
    if (value !== undefined) query.set(name, String(value));
  }
  const text = query.toString();
  return text === "" ? "" : `?${text}`;
}

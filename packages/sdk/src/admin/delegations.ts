/** `admin.delegations`: an agent's delegation tree, and revoking a delegation with everything below it. */
import { query, request, type TransportConfig } from "../request.ts";
import type { DelegationTree, RequestOptions, RevokedDelegations } from "../types.ts";

/** The org's delegations: an agent's tree (every member may read it), and revoking (`delegations.revoke`: owners, admins). */
export interface AdminDelegations {
  /**
   * Every delegation below an agent (`agt_…`), at every depth, revoked and expired ones included,
   * by depth then creation: `{ agentId, delegations }`, each with its `parentDelegationId` (`null`
   * for the agent's own) to draw the tree from. Another org's agent is a `NotFoundError`.
   */
  tree(agentId: string, options?: RequestOptions): Promise<DelegationTree>;
  /**
   * Revokes a delegation (`dlg_…`) and, in the same transaction, every delegation below it: their
   * keys stop at their next call on every instance, their pending approvals are cancelled. Answers
   * the ids revoked; revoking again answers an empty list, so it is safe to retry.
   */
  revoke(delegationId: string, options?: RequestOptions): Promise<RevokedDelegations>;
}

export function createAdminDelegations(config: TransportConfig): AdminDelegations {
  return {
    tree: (agentId, options = {}) => request<DelegationTree>(config, { method: "GET", path: `/v1/admin/delegations${query({ agentId })}`, signal: options.signal }),
    // The same route an agent revokes its own delegations with: the server checks who may.
    revoke: (delegationId, options = {}) =>
      request<RevokedDelegations>(config, { method: "DELETE", path: `/v1/delegations/${encodeURIComponent(delegationId)}`, signal: options.signal }),
  };
}

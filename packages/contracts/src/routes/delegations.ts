import { delegationIdParams } from "../common";
import {
  adminDelegationQuerySchema,
  createdDelegationSchema,
  createDelegationBodySchema,
  delegationListQuerySchema,
  delegationListSchema,
  delegationSchema,
  delegationTreeSchema,
  revokedDelegationsSchema,
} from "../delegations";
import type { RouteContract } from "./contract";
import { issueIdempotencyHeaders } from "./idempotency";

/** Delegations: an agent's short-lived sub-agents, as the agent makes and reads them, and the tree below an agent as a member sees it. */
export const delegationRoutes = [
  {
    operationId: "createDelegation",
    method: "POST",
    path: "/v1/delegations",
    summary: "Delegate: create a short-lived sub-agent with narrower capabilities",
    description:
      "The calling agent (a root agent, or a delegate) becomes the parent. Each capability must be covered by the caller's own (a root agent's are `*`), else 403 DELEGATION_SCOPE naming it; `ttlSeconds` is at most 86400 and at most the caller's own remaining time (else 403 naming `ttlSeconds`); the org's `delegation.maxDepth` and `delegation.maxActiveChildren` (5 and 100 unless changed) cap the chain's depth and the caller's active delegates (409). A caller that is halted or under a halted agent → 403 AGENT_HALTED. The delegate's decisions are checked against every link of its chain and then decided by the org's policies as for its root agent. A burst of creations in one org takes turns (at most two at once per org and API process; the rest queue, and past the queue answer 429 with `Retry-After`), so it never empties the connection pool other orgs' decisions use.",
    tag: "Delegations",
    auth: "agent",
    headers: issueIdempotencyHeaders("the delegation the first call created"),
    body: createDelegationBodySchema,
    success: { status: 201, description: "The delegation, with its delegate's key (shown once).", json: createdDelegationSchema },
  },
  {
    operationId: "listDelegations",
    method: "GET",
    path: "/v1/delegations",
    summary: "The calling agent's delegations",
    tag: "Delegations",
    auth: "agent",
    query: delegationListQuerySchema,
    success: { status: 200, description: "The delegations, newest first.", json: delegationListSchema },
  },
  {
    operationId: "getDelegation",
    method: "GET",
    path: "/v1/delegations/:id",
    summary: "One delegation",
    description: "Only the delegate itself and its ancestors see it; anyone else gets a 404.",
    tag: "Delegations",
    auth: "agent",
    params: delegationIdParams,
    success: { status: 200, description: "The delegation.", json: delegationSchema },
  },
  {
    operationId: "revokeDelegation",
    method: "DELETE",
    path: "/v1/delegations/:id",
    summary: "Revoke a delegation and its whole subtree",
    description:
      "By any ancestor agent of the delegate, or a member's admin key with `delegations.revoke`. The delegation and every descendant are revoked in one transaction: their keys stop on every instance at the next call, their pending approvals are cancelled (waiting calls wake with DELEGATION_REVOKED). Revoking again answers an empty list. The delegate itself, a sibling, or another org → 404.",
    tag: "Delegations",
    auth: "key",
    permission: "delegations.revoke",
    params: delegationIdParams,
    success: { status: 200, description: "The ids revoked.", json: revokedDelegationsSchema },
  },
  {
    operationId: "getDelegationTree",
    method: "GET",
    path: "/v1/admin/delegations",
    summary: "An agent's delegation tree",
    tag: "Delegations",
    auth: "admin",
    permission: "agents.read",
    query: adminDelegationQuerySchema,
    success: { status: 200, description: "Every delegation below the agent.", json: delegationTreeSchema },
  },
] as const satisfies readonly RouteContract[];

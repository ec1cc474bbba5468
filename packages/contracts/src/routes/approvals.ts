import {
  approvalListQuerySchema,
  approvalListSchema,
  approvalSchema,
  bulkDecisionBodySchema,
  bulkDecisionResultSchema,
  decisionBodySchema,
  waitManyBodySchema,
  waitManyResultSchema,
  waitQuerySchema,
} from "../approvals";
import { approvalIdParams } from "../common";
import type { RouteContract } from "./contract";

/** One approval by its id, and the long polls that wait for approvals to be decided: for an agent's key or a member's (`approvals.read`). */
export const approvalRoutes = [
  {
    operationId: "getApproval",
    method: "GET",
    path: "/v1/approvals/:id",
    summary: "One approval as it stands",
    description: "An agent's key sees its own agent's approvals.",
    tag: "Approvals",
    auth: "key",
    permission: "approvals.read",
    params: approvalIdParams,
    success: { status: 200, description: "The approval.", json: approvalSchema },
  },
  {
    operationId: "waitForApproval",
    method: "GET",
    path: "/v1/approvals/:id/wait",
    summary: "Long-poll an approval until it is decided",
    description:
      "Answers as soon as the approval leaves `pending`, or when `timeoutMs` (at most 25 s) passes, with the approval as it is then. A key holds at most 10 waits at once per API process (configurable); another is answered 429 with `Retry-After` and how many are open.",
    tag: "Approvals",
    auth: "key",
    permission: "approvals.read",
    params: approvalIdParams,
    query: waitQuerySchema,
    success: { status: 200, description: "The approval, decided or still pending.", json: approvalSchema },
  },
  {
    operationId: "waitForApprovals",
    method: "POST",
    path: "/v1/approvals/wait",
    summary: "Long-poll a set of approvals until one is decided",
    description:
      "One request waits on up to 1,000 approvals: it answers at once when any of them is no longer pending (or names nothing this key may see), otherwise as soon as one is decided, or when `timeoutMs` (at most 25 s) passes. The answer lists every approval of the set that is no longer pending, the ids still pending, and the ids not found; wait again on the pending ones. This is what the SDK's `gate()` and `waitForApproval()` use: all waits of one client share one request per 1,000 approvals. Each request counts as one of the key's waits (at most 10 at once per API process, configurable); another is answered 429 with `Retry-After` and how many are open.",
    tag: "Approvals",
    auth: "key",
    permission: "approvals.read",
    body: waitManyBodySchema,
    success: { status: 200, description: "The decided approvals, the pending ids and the ids not found.", json: waitManyResultSchema },
  },
] as const satisfies readonly RouteContract[];

/**
 * Approvals as members list them and vote on them (approving with a standing grant is in ./grants). A
 * list apart from approvalRoutes: ../routes.ts puts it near the end, where it has always been.
 */
export const adminApprovalRoutes = [
  {
    operationId: "listApprovals",
    method: "GET",
    path: "/v1/admin/approvals",
    summary: "Approvals, newest first",
    tag: "Approvals",
    auth: "admin",
    permission: "approvals.read",
    query: approvalListQuerySchema,
    success: { status: 200, description: "A page of approvals.", json: approvalListSchema },
  },
  {
    operationId: "getApprovalAsMember",
    method: "GET",
    path: "/v1/admin/approvals/:id",
    summary: "One approval, with whether this member may vote",
    tag: "Approvals",
    auth: "admin",
    permission: "approvals.read",
    params: approvalIdParams,
    success: { status: 200, description: "The approval.", json: approvalSchema },
  },
  {
    operationId: "decideApproval",
    method: "POST",
    path: "/v1/admin/approvals/:id/decision",
    summary: "Vote on an approval",
    description: "Ineligible (role, requester, excluded owner) → 403; decided or expired, or a changed vote → 409. Repeating one's own vote answers the approval as it is.",
    tag: "Approvals",
    auth: "admin",
    params: approvalIdParams,
    body: decisionBodySchema,
    success: { status: 200, description: "The approval after the vote.", json: approvalSchema },
  },
  {
    operationId: "decideApprovals",
    method: "POST",
    path: "/v1/admin/approvals/decision",
    summary: "Vote on several approvals at once",
    tag: "Approvals",
    auth: "admin",
    body: bulkDecisionBodySchema,
    success: { status: 200, description: "Each approval's status, or why the vote was refused.", json: bulkDecisionResultSchema },
  },
] as const satisfies readonly RouteContract[];

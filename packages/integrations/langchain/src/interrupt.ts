/**
 * What the middleware pauses a run with: the built-in human-in-the-loop request (`HITLRequest`,
 * one action) plus the Gatehouse approval it waits on, so a UI made for `humanInTheLoopMiddleware`
 * shows it as it is and a Gatehouse-aware one finds the approval.
 */
import type { HITLRequest } from "langchain";

/** The Gatehouse part of a {@link GatehouseInterrupt}. */
export interface GatehouseApprovalRef {
  /** The approval to decide (`apr_…`), in the console or through the admin API. */
  approvalId: string;
  /** Its page in the console, when the server names one. */
  approvalUrl?: string;
  /** Hex SHA-256 of the RFC 8785 JSON of the arguments: the approval holds for these only. */
  argsDigest: string;
  /** The action type Gatehouse decided on (`tool.<name>` by default). */
  actionType: string;
  /** The audit entry of the decision that asked for approval. */
  auditEventId: string;
  /** When the approval expires (ISO 8601). */
  timeoutAt?: string;
  /** Why the previous resume was not taken, when the run paused again after one. */
  refused?: string;
}

/** The value of an interrupt raised by `gatehouseMiddleware`: one action request and its approval. */
export interface GatehouseInterrupt extends HITLRequest {
  gatehouse: GatehouseApprovalRef;
}

/** Whether an interrupt's value is one `gatehouseMiddleware` raised (another middleware's is left alone). */
export function isGatehouseInterrupt(value: unknown): value is GatehouseInterrupt {
  if (typeof value !== "object" || value === null || !("gatehouse" in value) || !("actionRequests" in value)) return false;
  const { gatehouse, actionRequests } = value;
  return (
    typeof gatehouse === "object" &&
    gatehouse !== null &&
    typeof (gatehouse as { approvalId?: unknown }).approvalId === "string" &&
    typeof (gatehouse as { argsDigest?: unknown }).argsDigest === "string" &&
    Array.isArray(actionRequests) &&
    actionRequests.length === 1
  );
}

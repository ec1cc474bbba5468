import type { ActionResult, BudgetState, CheckResult, ConditionEvaluation, DenialReason } from "./types.ts";

/** What an error can carry besides its message. */
export interface GatehouseErrorInit {
  /** HTTP status of the response, when there was one. */
  status?: number;
  /** Machine-readable code from the error envelope, e.g. `"INVALID_API_KEY"`. */
  code?: string;
  /** Id of the request on the server (`error.requestId` or the `x-request-id` header). Quote it in bug reports. */
  requestId?: string;
  /** Extra detail from the error envelope, e.g. validation issues. */
  details?: unknown;
  /** The underlying error, for network failures. */
  cause?: unknown;
}

/** Base class of every error the SDK throws. */
export class GatehouseError extends Error {
  override readonly name: string = "GatehouseError";
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly requestId: string | undefined;
  readonly details: unknown;

  constructor(message: string, init: GatehouseErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.details = init.details;
  }
}

/** 400: the request was malformed. */
export class BadRequestError extends GatehouseError {
  override readonly name = "BadRequestError";
}

/** 401: the API key is missing, malformed, unknown or revoked. */
export class AuthenticationError extends GatehouseError {
  override readonly name = "AuthenticationError";
}

/** 403: the key is valid but may not do this. */
export class PermissionDeniedError extends GatehouseError {
  override readonly name: string = "PermissionDeniedError";
}

/**
 * 403 `DELEGATION_SCOPE` from `delegate()`: a capability asked for is not covered by the delegating
 * agent's own (`pr.*` under `pr.open`), named by `capability`; or a `ttl` that outlives the delegating
 * delegate's own delegation (`path` `ttlSeconds`). A delegate's denied *action* is not this error:
 * it is a decision with `denialReason` `DELEGATION_SCOPE`, `DELEGATION_EXPIRED` or
 * `DELEGATION_REVOKED` (a `DeniedError` from `gate()` and `assertAllowed()`).
 */
export class DelegationScopeError extends PermissionDeniedError {
  override readonly name = "DelegationScopeError";
  /** The field refused, from the error's `details.issues`: `capabilities[1]` or `ttlSeconds`. */
  readonly path: string | undefined;
  /** The capability refused, when a capability was (`delegate()` reads it from `capabilities` at `path`). */
  readonly capability: string | undefined;

  constructor(message: string, init: GatehouseErrorInit = {}, extra: { capability?: string | undefined } = {}) {
    super(message, init);
    const issues = isObject(init.details) && Array.isArray(init.details.issues) ? (init.details.issues as unknown[]) : [];
    const first = issues[0];
    const path = isObject(first) ? first.path : undefined;
    this.path = typeof path === "string" ? path : undefined;
    const named = isObject(init.details) ? init.details.capability : undefined;
    this.capability = extra.capability ?? (typeof named === "string" ? named : undefined);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** 404: no such object in this organization. */
export class NotFoundError extends GatehouseError {
  override readonly name = "NotFoundError";
}

/** 409: the request conflicts with the current state, e.g. an `eventId` reused for a different action. */
export class ConflictError extends GatehouseError {
  override readonly name = "ConflictError";
}

/** 413: the request body is too large. */
export class PayloadTooLargeError extends GatehouseError {
  override readonly name = "PayloadTooLargeError";
}

/** 422: the request was well-formed but invalid. */
export class UnprocessableEntityError extends GatehouseError {
  override readonly name = "UnprocessableEntityError";
}

/** 429: too many requests. */
export class RateLimitError extends GatehouseError {
  override readonly name = "RateLimitError";
}

/** 5xx: the server failed. */
export class InternalServerError extends GatehouseError {
  override readonly name = "InternalServerError";
}

/** The server could not be reached, or the connection broke. */
export class APIConnectionError extends GatehouseError {
  override readonly name: string = "APIConnectionError";
}

/** An attempt took longer than the `timeout` option. */
export class APITimeoutError extends APIConnectionError {
  override readonly name = "APITimeoutError";
}

/** The caller aborted the call through its `signal`. Never retried. */
export class APIUserAbortError extends GatehouseError {
  override readonly name = "APIUserAbortError";
}

/** The error class for an HTTP error status (and its code). Statuses without a class of their own get `GatehouseError`. */
export function errorClassForStatus(status: number, code?: string): typeof GatehouseError {
  if (status >= 500) return InternalServerError;
  if (status === 403 && code === "DELEGATION_SCOPE") return DelegationScopeError;
  switch (status) {
    case 400:
      return BadRequestError;
    case 401:
      return AuthenticationError;
    case 403:
      return PermissionDeniedError;
    case 404:
      return NotFoundError;
    case 409:
      return ConflictError;
    case 413:
      return PayloadTooLargeError;
    case 422:
      return UnprocessableEntityError;
    case 429:
      return RateLimitError;
    default:
      return GatehouseError;
  }
}

/**
 * A policy (or a reviewer) denied the action. Thrown by {@link assertAllowed} (and `gate()`);
 * `execute()` and `canI()` return denials instead.
 */
export class DeniedError extends GatehouseError {
  override readonly name: string = "DeniedError";
  /** Why the action was denied, e.g. `"CONDITIONS_DENIED"`. */
  readonly reason: DenialReason;
  /** Name of the policy that decided, when one did. */
  readonly policy: string | undefined;
  /** The conditions the engine evaluated. */
  readonly conditions: ConditionEvaluation[];
  /** The audit entry of the denial; absent for a `canI()` answer, which records nothing. */
  readonly auditEventId: string | undefined;
  /** The approval that was denied, expired or cancelled, when the action went through one. */
  readonly approvalId: string | undefined;
  /** Who denied the approval, when a reviewer did: the member's email (else name, else id). */
  readonly decidedBy: string | undefined;
  /** The reviewer's reason for denying, when they gave one. */
  readonly decisionReason: string | undefined;
  /** The full decision. */
  readonly result: ActionResult | CheckResult;
  /** The budget that refused it (its limit, what is spent and reserved), for `BUDGET_EXCEEDED` (docs/budgets.md). */
  readonly budget: BudgetState | undefined;

  constructor(result: ActionResult | CheckResult, extra: DeniedErrorExtra = {}) {
    const reason = result.denialReason ?? "DENIED";
    const by = result.policyName === undefined ? "" : ` by policy "${result.policyName}"`;
    const reviewer = [
      extra.decidedBy === undefined ? undefined : `by ${extra.decidedBy}`,
      extra.decisionReason === undefined ? undefined : JSON.stringify(extra.decisionReason),
    ].filter((part) => part !== undefined);
    const review = reviewer.length === 0 ? "" : ` (${reviewer.join(": ")})`;
    super(`Action denied${by}: ${reason}${review}`, { code: reason });
    this.reason = reason;
    this.policy = result.policyName;
    this.conditions = result.conditionsEvaluated;
    this.auditEventId = "auditEventId" in result ? result.auditEventId : undefined;
    this.approvalId = extra.approvalId ?? ("approvalId" in result ? result.approvalId : undefined);
    this.decidedBy = extra.decidedBy;
    this.decisionReason = extra.decisionReason;
    this.result = result;
    this.budget = result.budget;
  }
}

/**
 * A {@link DeniedError} for `BUDGET_EXCEEDED`: the call would go over a budget (`budget` names it, with
 * its limit and what is spent and reserved). Thrown before anything runs, e.g. before a wrapped model
 * client sends its request.
 */
export class BudgetExceededError extends DeniedError {
  override readonly name = "BudgetExceededError";
}

/** The error a denial throws: a {@link BudgetExceededError} for a budget's refusal, else a {@link DeniedError}. */
export function deniedError(result: ActionResult | CheckResult, extra: DeniedErrorExtra = {}): DeniedError {
  return result.denialReason === "BUDGET_EXCEEDED" ? new BudgetExceededError(result, extra) : new DeniedError(result, extra);
}

/** What a {@link DeniedError} can carry besides the decision, when a reviewer or an approval ended it. */
export interface DeniedErrorExtra {
  /** The approval, when the result does not name it. */
  approvalId?: string | undefined;
  /** Who denied it. */
  decidedBy?: string | undefined;
  /** Their reason. */
  decisionReason?: string | undefined;
}

/**
 * Throws a {@link DeniedError} when `result` is a denial; otherwise returns, and narrows `result` to
 * `executed` or `requested`. A `requested` result is not a permission to act yet: wait for its approval.
 *
 * ```ts
 * const result = await gatehouse.execute("deploy.prod", { metadata });
 * assertAllowed(result); // throws DeniedError with reason, policy and conditions
 * ```
 */
export function assertAllowed<R extends ActionResult | CheckResult>(result: R): asserts result is R & { status: "executed" | "requested" } {
  if (result.status === "denied") throw deniedError(result);
}

/**
 * Nobody decided the approval before the caller's deadline (thrown by `gate()` and
 * `waitForApproval()`). The approval stays pending on the server and may still be decided: wait
 * again with `waitForApproval(approvalId)`. When the server could not be reached at the deadline,
 * `cause` is the last failure.
 */
export class ApprovalTimeoutError extends GatehouseError {
  override readonly name = "ApprovalTimeoutError";
  readonly approvalId: string;

  constructor(approvalId: string, init: { cause?: unknown } = {}) {
    super(`Approval ${approvalId} was not decided before the deadline`, { code: "APPROVAL_TIMEOUT", cause: init.cause });
    this.approvalId = approvalId;
  }
}

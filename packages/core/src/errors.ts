/**
 * The closed set of domain errors. Every layer throws these; apps map them to HTTP in exactly one
 * function. Anything else that escapes is a bug and becomes a 500 without internal text.
 */
export const DOMAIN_ERROR_CODES = [
  "VALIDATION",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "CONFLICT",
  "PAYLOAD_TOO_LARGE",
  "RATE_LIMITED",
  "UNAVAILABLE",
  "DELEGATION_SCOPE",
  "AGENT_HALTED",
  "DELEGATION_REVOKED",
  "DELEGATION_EXPIRED",
] as const;

export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

/** The HTTP status of each domain error, for every app that answers HTTP. */
export const DOMAIN_ERROR_STATUS: Record<DomainErrorCode, number> = {
  VALIDATION: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  DELEGATION_SCOPE: 403,
  AGENT_HALTED: 403,
  DELEGATION_REVOKED: 401,
  DELEGATION_EXPIRED: 401,
};

export interface FieldIssue {
  path: string;
  message: string;
}

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  readonly details: unknown;
  /** When to try again (RATE_LIMITED, UNAVAILABLE): every app sends it as the Retry-After header. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: DomainErrorCode, message: string, details?: unknown, retryAfterSeconds?: number) {
    super(message);
    this.name = "DomainError";
    this.code = code;
    this.details = details;
    this.retryAfterSeconds = retryAfterSeconds === undefined ? undefined : Math.max(1, Math.ceil(retryAfterSeconds));
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}

export const notFound = (what: string) => new DomainError("NOT_FOUND", `${what} not found`);
export const forbidden = (message: string) => new DomainError("FORBIDDEN", message);
export const conflict = (message: string, details?: unknown) => new DomainError("CONFLICT", message, details);
/** Too many calls of a kind; `retryAfterSeconds` says when the next one may succeed. */
export const rateLimited = (message: string, retryAfterSeconds: number, details?: unknown) => new DomainError("RATE_LIMITED", message, details, retryAfterSeconds);
/** A dependency the answer needs (the database) is down or not answering: try again shortly. Never an allow. */
export const unavailable = (message: string, retryAfterSeconds = 2) => new DomainError("UNAVAILABLE", message, undefined, retryAfterSeconds);
/** A delegation asking for more than its parent holds (a capability not covered, a lifetime beyond the parent's): 403 naming the field. */
export const delegationScope = (message: string, issue: FieldIssue) => new DomainError("DELEGATION_SCOPE", message, { issues: [issue] });
/** A delegate whose ancestor agent is halted: 403 on every call but a decision (which is answered, and recorded, as an AGENT_HALTED denial). */
export const agentHalted = (message: string) => new DomainError("AGENT_HALTED", message);
/** The key of a delegate whose delegation (or an ancestor's) was revoked: 401, it works no more. */
export const delegationRevoked = (message: string) => new DomainError("DELEGATION_REVOKED", message);
/** The key of a delegate whose delegation has expired: 401, it works no more. */
export const delegationExpired = (message: string) => new DomainError("DELEGATION_EXPIRED", message);
export const unauthenticated = (message: string) => new DomainError("UNAUTHENTICATED", message);
/** details.reason of the CONFLICT every write to a closed org gets (closeOrg in packages/db). */
export const ORG_CLOSED = "ORG_CLOSED";
/** A write to a closed org: it is read-only for good (409, details.reason ORG_CLOSED). */
export const orgClosed = () => new DomainError("CONFLICT", "this organization is closed: it is read-only (its audit log can still be read and exported)", { reason: ORG_CLOSED });
export const validationError = (issues: FieldIssue[]) =>
  new DomainError("VALIDATION", issues.length === 1 && issues[0] ? `${issues[0].path || "body"}: ${issues[0].message}` : "Invalid request", { issues });

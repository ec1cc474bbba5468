/**
 * Wire shapes of the Gatehouse REST API (ARCHITECTURE.md §3). Shapes may grow: the server can add
 * fields, never rename or remove them.
 */

/** The decision on one action. */
export type ActionStatus = "executed" | "requested" | "denied";

/** Why an action was denied. Known reasons are listed; the server may add more. */
export type DenialReason =
  | "CONDITIONS_DENIED"
  | "NO_POLICY"
  | "POLICY_TAMPERED"
  | "DENIED_BY_REVIEWER"
  | "APPROVAL_EXPIRED"
  | "AGENT_HALTED"
  | "DELEGATION_SCOPE"
  | "DELEGATION_EXPIRED"
  | "RATE_LIMITED"
  | (string & {});

/** One condition the policy engine evaluated while deciding. */
export interface ConditionEvaluation {
  field: string;
  operator: string;
  expected: unknown;
  actual?: unknown;
  result: boolean;
}

/** What `POST /v1/actions` answers. A denial is a normal result, not an HTTP error. */
export interface ActionResult {
  status: ActionStatus;
  auditEventId: string;
  approvalId?: string;
  /** ISO 8601 time at which a pending approval expires. */
  timeoutAt?: string;
  denialReason?: DenialReason;
  policyName?: string;
  policyVersion?: number;
  conditionsEvaluated: ConditionEvaluation[];
  mode?: "enforce" | "monitor";
}

/** What `GET /v1/whoami` answers: the organization, agent and key behind the API key in use. */
export interface WhoAmI {
  org: { id: string; slug: string; name: string; [field: string]: unknown };
  agent: {
    id: string;
    name: string;
    status: "active" | "halted" | (string & {});
    labels: Record<string, string>;
    [field: string]: unknown;
  };
  key: { id: string; prefix: string; lastFour: string; [field: string]: unknown };
  [field: string]: unknown;
}

/** Options every call accepts. */
export interface RequestOptions {
  /** Aborts the call (including any wait between retries); the call then rejects with `APIUserAbortError`. */
  signal?: AbortSignal;
}

/** Options of {@link Gatehouse.execute}. */
export interface ExecuteOptions extends RequestOptions {
  /** Facts about the action that policies can test as `metadata.*`. */
  metadata?: Record<string, unknown>;
  /** The data the action touches, testable by policies as `dataAccessed`. */
  dataAccessed?: DataAccess[];
  /**
   * Idempotency key of this action. Default: a random UUID generated once per call. Either way the
   * same value is sent on every retry, so a retry can never act twice.
   */
  eventId?: string;
}

/** The `fetch` the client calls. `globalThis.fetch` fits, as does any function of this shape. */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/** One kind of data an action reads or writes. */
export interface DataAccess {
  type: string;
  count?: number;
  sensitivity?: "public" | "internal" | "confidential" | "restricted";
}

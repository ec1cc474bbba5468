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
  | "CIRCUIT_OPEN"
  | (string & {});

/** One condition the policy engine evaluated while deciding. */
export interface ConditionEvaluation {
  field: string;
  operator: string;
  expected: unknown;
  actual?: unknown;
  result: boolean;
  /** Name of the policy the condition belongs to. */
  policy: string;
}

/** What every decision says, whether it was recorded (`execute`) or only asked (`canI`). */
export interface Decision {
  status: ActionStatus;
  denialReason?: DenialReason;
  /** The policy whose effect won; absent when none applied (`NO_POLICY`) or the agent's state decided. */
  policyName?: string;
  policyVersion?: number;
  conditionsEvaluated: ConditionEvaluation[];
  /** `monitor`: the winning policy only records what it would have done, and the action goes through. */
  mode?: "enforce" | "monitor";
}

/** What `POST /v1/actions` answers. A denial is a normal result, not an HTTP error. */
export interface ActionResult extends Decision {
  /** The audit entry of this decision; report the action's outcome against it. */
  auditEventId: string;
  approvalId?: string;
  /** ISO 8601 time at which a pending approval expires. */
  timeoutAt?: string;
}

/** What `POST /v1/actions/check` (`canI`) answers: the decision `execute` would make now, with nothing recorded. */
export interface CheckResult extends Decision {
  dryRun: true;
}

/** How an action went, as the agent reports it. */
export type OutcomeStatus = "success" | "failure" | "partial";

/** What `POST /v1/actions/:auditEventId/outcome` answers: the outcome on record. */
export interface Outcome {
  auditEventId: string;
  status: OutcomeStatus;
  message: string | null;
  /** ISO 8601 time at which the outcome was first reported. */
  reportedAt: string;
  /** The audit entry of the report; present on the answer to the call that recorded it. */
  outcomeAuditEventId?: string;
}

/** State of an agent's circuit breaker: `open` denies every action with `CIRCUIT_OPEN`. */
export type CircuitState = "closed" | "open" | "half_open";

/** A policy by name and version. */
export interface PolicyRef {
  name: string;
  version: number;
}

/** What `GET /v1/whoami` answers: the organization and key behind the API key in use, and its agent or member. */
export interface WhoAmI {
  org: { id: string; slug: string; name: string; [field: string]: unknown };
  /** Present for an agent key. */
  agent?: {
    id: string;
    name: string;
    status: "active" | "halted" | (string & {});
    labels: Record<string, string>;
    cbState: CircuitState;
    [field: string]: unknown;
  };
  /** Present for an org admin key: the member it belongs to. */
  member?: { id: string; userId: string; email: string; role: string; [field: string]: unknown };
  key: { id: string; prefix: string; lastFour: string; kind: "agent" | "admin" | (string & {}); [field: string]: unknown };
  /** Present for an agent key: the active policies that apply to the agent. */
  policies?: PolicyRef[];
  [field: string]: unknown;
}

/** A `when` condition of a policy (ARCHITECTURE.md §3). */
export type Condition =
  | { field: string; op: ConditionOperator; value?: unknown }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { rate: { over: number; windowSeconds: number; per?: "agent" | "org" } };

export type ConditionOperator = "eq" | "neq" | "lt" | "lte" | "gt" | "gte" | "in" | "not_in" | "contains" | "matches" | "exists";

/** A policy document, as written and applied. */
export interface PolicyDocument {
  name: string;
  description?: string;
  /** Action type patterns, `*` a wildcard: `["pr.*"]`. */
  actions: string[];
  /** Agent names, ids or patterns. Default: `["*"]`. */
  agents?: string[];
  /** Absent: the policy applies whenever its patterns match. */
  when?: Condition;
  effect: "allow" | "deny" | "require_approval";
  approval?: {
    quorum?: number;
    timeoutSeconds?: number;
    approverRoles?: string[];
    approvers?: string[];
    excludeAgentOwner?: boolean;
  };
  /** Default: `"enforce"`. */
  mode?: "enforce" | "monitor";
}

/** One active policy as `GET /v1/policies` shows it. */
export interface PolicyView {
  name: string;
  version: number;
  versionId: string;
  /** Hex SHA-256 of the canonical JSON of `document`. */
  contentHash: string;
  document: PolicyDocument;
}

/** What `GET /v1/policies` answers. */
export interface PolicyList {
  scope: "own" | "org";
  policies: PolicyView[];
}

/** One active policy as `GET /v1/admin/policies` shows it: the document (defaults filled in) and its version. */
export type StoredPolicy = PolicyDocument & { version: number; contentHash: string; versionId: string };

/** What `GET /v1/admin/policies` answers. */
export interface StoredPolicyList {
  policies: StoredPolicy[];
}

/** A policy that `apply` creates or changes. */
export interface PolicyChange {
  name: string;
  version: number;
  contentHash: string;
}

/** What `PUT /v1/admin/policies` answers: how the active set changed (or would, with `dryRun`). */
export interface PolicySetDiff {
  dryRun: boolean;
  created: PolicyChange[];
  updated: Array<PolicyChange & { previousVersion: number }>;
  archived: PolicyRef[];
  unchanged: PolicyRef[];
}

/** Where an approval stands. `pending` until members decide it, it expires or the agent is halted. */
export type ApprovalStatus = "pending" | "approved" | "denied" | "expired" | "cancelled";

/** A member of the organization as approvals show them. */
export interface ApprovalMember {
  /** Membership id, `mem_…`. */
  id: string;
  name: string;
  email: string;
}

/** One member's vote on an approval. */
export interface ApprovalVote {
  member: ApprovalMember;
  decision: "approve" | "deny";
  reason: string | null;
  /** ISO 8601 time of the vote. */
  at: string;
}

/** What `GET /v1/approvals/:id` (and the admin API) answers: a request for approval and where it stands (docs/approvals.md). */
export interface Approval {
  /** `apr_…` */
  id: string;
  status: ApprovalStatus;
  agentId: string;
  agentName: string;
  actionId: string;
  /** The audit entry of the original decision (`requested`). */
  auditEventId: string;
  actionType: string;
  metadata: Record<string, unknown>;
  dataAccessed: DataAccess[];
  /** The policy that asked for approval, and its version. */
  policyName: string | null;
  policyVersion: number | null;
  conditionsEvaluated: ConditionEvaluation[];
  /** Distinct approvals needed. */
  quorum: number;
  /** Approvals so far. */
  approvals: number;
  /** Roles whose members may vote. */
  approverRoles: string[];
  /** Members named as approvers (membership id, user id or email), eligible whatever their role. */
  approvers: string[];
  /** Whether the member who created the agent is barred from voting. */
  excludeAgentOwner: boolean;
  /** The request's `metadata.requestedBy`, who may never vote on it. */
  requestedBy: string | null;
  votes: ApprovalVote[];
  /** The member whose vote ended it; `null` while pending, and when it expired or was cancelled. */
  decidedBy: ApprovalMember | null;
  /** That member's reason. */
  decisionReason: string | null;
  /** ISO 8601 times. */
  decidedAt: string | null;
  expiresAt: string;
  createdAt: string;
  /**
   * The action's answer as it stands: `requested` while pending, `executed` once approved, `denied`
   * with `denialReason` `DENIED_BY_REVIEWER`, `APPROVAL_EXPIRED` or `AGENT_HALTED` otherwise.
   */
  result: ActionResult;
}

/** A page of approvals, newest first. Pass `nextCursor` as `cursor` for the next page; `null` on the last. */
export interface ApprovalList {
  approvals: Approval[];
  nextCursor: string | null;
}

/** The kinds of event `GET /v1/events` streams. The server may add more. */
export type GatehouseEventType =
  | "action.executed"
  | "action.denied"
  | "approval.requested"
  | "approval.voted"
  | "approval.decided"
  | "approval.expired"
  | (string & {});

/** What an event says. Which optional fields are present depends on its type; the server may add more. */
export interface GatehouseEventData {
  /** The audit sequence number of the entry the event comes from (the event's `id`). */
  seq: number;
  type: GatehouseEventType;
  /** ISO 8601 time of the audit entry. */
  at: string;
  agentId: string;
  actionId: string;
  actionType: string;
  approvalId?: string;
  /** `approval.decided`: `approved`, `denied` or `cancelled`; `approval.voted`: where the approval stands after the vote. */
  status?: ApprovalStatus | ActionStatus;
  /** `action.denied`: why. */
  denialReason?: DenialReason;
  /** `approval.decided`: the member whose vote ended it. */
  decidedBy?: Pick<ApprovalMember, "id" | "email"> & { name?: string };
  /** The member's reason for a vote or decision. */
  reason?: string;
  [field: string]: unknown;
}

/** One event of the stream. */
export interface GatehouseEvent {
  /** The audit sequence number, as the stream's event id: resume after it with `subscribe({ lastEventId })`. */
  id: string;
  type: GatehouseEventType;
  data: GatehouseEventData;
}

/** Options every call accepts. */
export interface RequestOptions {
  /** Aborts the call (including any wait between retries); the call then rejects with `APIUserAbortError`. */
  signal?: AbortSignal;
}

/** What an action is about; policies test these facts. */
export interface ActionFacts {
  /** Facts about the action that policies can test as `metadata.*`. */
  metadata?: Record<string, unknown>;
  /** The data the action touches, testable by policies as `dataAccessed`. */
  dataAccessed?: DataAccess[];
}

/** Options of {@link Gatehouse.execute}. */
export interface ExecuteOptions extends ActionFacts, RequestOptions {
  /**
   * Idempotency key of this action. Default: a random UUID generated once per call. Either way the
   * same value is sent on every retry, so a retry can never act twice.
   */
  eventId?: string;
}

/** Options of `Gatehouse.waitForApproval`. */
export interface WaitOptions extends RequestOptions {
  /**
   * When to stop waiting, as a `Date` or ms since the epoch: then `ApprovalTimeoutError` is thrown
   * and the approval stays pending on the server. Default: 8 hours from the call.
   */
  deadline?: Date | number;
}

/** Options of `Gatehouse.gate`. */
export interface GateOptions extends ExecuteOptions, WaitOptions {
  /** Called once, with the `requested` result (its `approvalId`, `timeoutAt`), when `gate()` starts waiting. */
  onRequested?: (result: ActionResult) => void;
}

/** Options of `Gatehouse.subscribe` and `GatehouseAdmin.subscribe`. */
export interface SubscribeOptions {
  /** Resume after this event id (an event's `id`). Default: start with what happens next. */
  lastEventId?: string;
  /** Only these event types, e.g. `["approval.requested"]`. Default: all. Filtered on the client. */
  types?: readonly string[];
  /** Ends the iteration (without an error) and closes the connection. */
  signal?: AbortSignal;
}

/** Options of `GatehouseAdmin.approvals.list`. */
export interface ListApprovalsOptions extends RequestOptions {
  /** Default: the server's (the contract leaves it open); pass `"all"` for every status. */
  status?: ApprovalStatus | "all";
  agentId?: string;
  actionType?: string;
  /** `nextCursor` of the previous page. */
  cursor?: string;
  /** Page size. */
  limit?: number;
}

/** Options of `GatehouseAdmin.approvals.approve` and `.deny`. */
export interface DecideApprovalOptions extends RequestOptions {
  /** Why; recorded with the vote in the audit log. */
  reason?: string;
}

/** Options of {@link Gatehouse.canI}. */
export interface CanIOptions extends ActionFacts, RequestOptions {}

/** Options of {@link Gatehouse.report}. */
export interface ReportOptions extends RequestOptions {
  status: OutcomeStatus;
  /** Up to 2,000 characters. */
  message?: string;
}

/** Options of {@link Gatehouse.policies}. */
export interface PoliciesOptions extends RequestOptions {
  /** `own` (the server's default): the policies that apply to this agent. `org`: all active policies. */
  scope?: "own" | "org";
}

/** Options of `GatehouseAdmin.policies.apply`. */
export interface ApplyPoliciesOptions extends RequestOptions {
  /** Only compute the diff; change nothing. Default: `false`. */
  dryRun?: boolean;
}

/** The `fetch` the client calls. `globalThis.fetch` fits, as does any function of this shape. */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/** One kind of data an action reads or writes. */
export interface DataAccess {
  type: string;
  count?: number;
  sensitivity?: "public" | "internal" | "confidential" | "restricted";
}

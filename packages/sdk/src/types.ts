/**
 * Wire shapes of the Gatehouse REST API (docs/architecture.md in the Gatehouse repository,
 * "Contracts"). Shapes may grow: the server can add fields, never rename or remove them.
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
  /** `execute` would answer `executed` now. */
  allowed: boolean;
  /** `execute` would answer `requested`: a person would have to approve. */
  needsApproval: boolean;
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

/** A `when` condition of a policy (docs/architecture.md, "Policy documents"). */
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
  /** Only these event types, e.g. `["approval.requested"]`, sent as `types=a,b`. Default: all. */
  types?: readonly string[];
  /** Only this agent's events (an org admin key; an agent's key always gets only its own agent's), sent as `agentId=`. */
  agentId?: string;
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

/** One entry of the audit log, as `GET /v1/audit` lists it. */
export interface AuditEvent {
  /** `aud_…`; the `auditEventId` of the decision that wrote it. */
  id: string;
  /** Position in the org's log, from 0 with no gaps: the entry's leaf index in the Merkle tree. */
  seq: number;
  /** What happened, e.g. `action.executed`, `approval.decided`, `audit.key_rotated`. */
  type: string;
  actorType: string;
  actorId: string;
  agentId: string | null;
  subjectId: string | null;
  /** ISO 8601 time the entry was written. */
  createdAt: string;
  /** RFC 6962 leaf hash of the entry's canonical text: hex SHA-256(0x00 ‖ canonical). */
  leafHash: string;
  /** Hash of the previous entry's chain hash and this leaf hash. */
  chainHash: string;
  data: Record<string, unknown>;
}

/** A page of audit entries, newest first. */
export interface AuditEventList {
  events: AuditEvent[];
  /** Pass as `cursor` for the next (older) page; `null` on the last page. */
  nextCursor: string | null;
}

/** Options of `audit.list`. */
export interface ListAuditOptions extends RequestOptions {
  /** `nextCursor` of the previous page. */
  cursor?: string;
  /** Page size, 1–100. Default: the server's (50). */
  limit?: number;
  /** Only entries of this type, e.g. `action.denied`. */
  type?: string;
  /** Only entries about actions of this type, e.g. `pr.merge`. */
  actionType?: string;
  /** Only this agent's entries. An agent's key always sees only its own agent's. */
  agentId?: string;
  /** Only entries written at or after this time (a `Date` or ISO 8601 text). */
  from?: Date | string;
  /** Only entries written at or before this time. */
  to?: Date | string;
}

/** A signed checkpoint of the audit log: its tree size and root, signed as a C2SP signed note. */
export interface Checkpoint {
  treeSize: number;
  /** Hex RFC 6962 root hash of the first `treeSize` entries. */
  rootHash: string;
  /**
   * The signed note, verbatim (C2SP tlog-checkpoint body, a blank line, signature lines). Save it:
   * `gatehouse verify --since` and `audit.consistency({ since })` prove the log only grew since.
   */
  note: string;
  /** Id of the signing key. */
  keyId: string;
  createdAt: string;
}

/** A page of signed checkpoints, largest tree first. */
export interface CheckpointList {
  checkpoints: Checkpoint[];
  nextCursor: string | null;
}

/** Options of `audit.checkpoints`. */
export interface ListCheckpointsOptions extends RequestOptions {
  cursor?: string;
  /** Page size, 1–100. Default: the server's (50). */
  limit?: number;
}

/** One of the org's checkpoint signing keys, public half only. */
export interface SigningKey {
  id: string;
  /** C2SP signed-note verifier key: `<name>+<8 hex key hash>+<base64(0x01 ‖ Ed25519 public key)>`. */
  vkey: string;
  /** A retired key signs nothing new, but the checkpoints it signed still verify with it. */
  status: "active" | "retired";
  createdAt: string;
  retiredAt: string | null;
}

/** What `GET /v1/audit/keys` answers: every key the org has used, oldest first. */
export interface SigningKeyList {
  keys: SigningKey[];
}

/** What `POST /v1/admin/audit/keys/rotate` answers: the keys after rotating, and a checkpoint signed with the new one. */
export interface KeyRotation {
  keys: SigningKey[];
  checkpoint: Checkpoint;
}

/** Where the keys that checked a signature came from: the caller's `keys` option, or the server's `GET /v1/audit/keys`. */
export type KeysFrom = "options" | "server";

/** The outcome of checking a proof on this machine. */
export interface LocalCheck {
  /** True when the proof holds and the checkpoint it leads to is signed by one of the keys. */
  verified: boolean;
  /** Why not, when `verified` is false. */
  problem?: string;
  /**
   * Where the keys came from. Keys fetched from the same server only show the server agrees with
   * itself; pin keys you got another way (`keys` option) to catch a server that lies.
   */
  keysFrom: KeysFrom;
}

/** What `GET /v1/audit/proof?entryId=…` (or `?seq=`) answers: an RFC 6962 inclusion proof. */
export interface InclusionProof {
  type: "inclusion";
  seq: number;
  entryId: string;
  leafHash: string;
  treeSize: number;
  rootHash: string;
  /** The audit path, hex hashes from the leaf up. */
  proof: string[];
  /** The signed checkpoint of `treeSize`; `null` when none was signed at that size. */
  checkpoint: Checkpoint | null;
}

/** What `GET /v1/audit/proof?from=…` answers: an RFC 6962 consistency proof. */
export interface ConsistencyProof {
  type: "consistency";
  from: number;
  to: number;
  fromRootHash: string;
  toRootHash: string;
  proof: string[];
  /** The signed checkpoint of `to`; `null` when none was signed at that size. */
  checkpoint: Checkpoint | null;
}

/** An inclusion proof with the result of checking it locally. */
export type VerifiedInclusionProof = InclusionProof & LocalCheck;

/** A consistency proof with the result of checking it locally. */
export type VerifiedConsistencyProof = ConsistencyProof & LocalCheck;

/** Verifier keys to check checkpoint signatures with, instead of the org's keys fetched from the server. */
export interface TrustedKeys {
  /** C2SP verifier keys (`<name>+<hash>+<key>`), e.g. saved from `gatehouse audit keys`. Default: the org's keys from `GET /v1/audit/keys`. */
  keys?: readonly string[];
}

/** Options of `audit.proof`: the entry by id or by seq, and optionally the tree size to prove it in. */
export type InclusionProofOptions = (
  | { entryId: string; seq?: undefined }
  | { seq: number; entryId?: undefined }
) &
  TrustedKeys &
  RequestOptions & {
    /** The tree to prove inclusion in. Default: a fresh checkpoint of the whole log. */
    treeSize?: number;
    /** The entry's leaf hash as you hold it (from a bundle or your records). Default: trust the server's. */
    leafHash?: string;
  };

/** Options of `audit.consistency`: from a tree size, or from a signed checkpoint you saved. */
export type ConsistencyProofOptions = (
  | { from: number; since?: undefined }
  | {
      /** A signed checkpoint note you saved (e.g. with `gatehouse audit checkpoint --out`): its size is `from`, and its root must match. */
      since: string;
      from?: number;
    }
) &
  TrustedKeys &
  RequestOptions & {
    /** The later tree size. Default: a fresh checkpoint of the whole log. */
    to?: number;
  };

/** What `POST /v1/audit/verify` answers: the server recomputed its log from the stored rows. */
export interface AuditVerification {
  valid: boolean;
  checkedEntries: number;
  checkedCheckpoints: number;
  /** The first entry whose place in the log no longer matches what was recorded; `null` when valid. */
  firstBrokenSeq: number | null;
  treeSize: number;
  rootHash: string;
  problem: string | null;
}

/** Options of `audit.export`. */
export interface AuditExportOptions extends RequestOptions {
  /** `jsonl` (default): the verifiable bundle. `csv`: the same entries for spreadsheets, unsigned. */
  format?: "jsonl" | "csv";
  /** Only entries written at or after this time (a `Date` or ISO 8601 text). Filtered entries each carry an inclusion proof. */
  from?: Date | string;
  /** Only entries written at or before this time. */
  to?: Date | string;
  /** Only this agent's entries. An agent's key always exports only its own agent's. */
  agentId?: string;
  /** Only entries of this type. */
  type?: string;
  /** Add a proof that the log grew from this tree size (the size of a checkpoint you saved) to the exported one. */
  sinceSize?: number;
}

/**
 * An export as it downloads: iterate it for the body's chunks, as they arrive (nothing is buffered).
 * Iterate it once, to its end or until you leave the loop, which closes the connection; an export
 * never iterated holds its connection until the call's `signal` aborts or the server ends it.
 */
export interface AuditExport extends AsyncIterable<Uint8Array> {
  /** The tree size the export covers (`x-gatehouse-tree-size`); `null` if the response lacks it. */
  readonly treeSize: number | null;
  /** The file name the server suggests (`content-disposition`), e.g. `gatehouse-audit-acme-120-….jsonl`; `null` if none. */
  readonly filename: string | null;
  /** The body's media type, e.g. `application/x-ndjson; charset=utf-8`. */
  readonly contentType: string | null;
}

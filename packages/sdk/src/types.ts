/**
 * Wire shapes of the Gatehouse REST API, generated from the API's contracts (`generated/api.ts`, by
 * `npm run openapi` in the Gatehouse repository), and the options of the SDK's calls. Shapes may grow:
 * the server can add fields, never rename or remove them.
 */
import type { components } from "./generated/api.ts";

type Schemas = components["schemas"];

/** The decision on one action. */
export type ActionStatus = Schemas["ActionResult"]["status"];

/** Why an action was denied. Known reasons are listed (the API's DenialReasonCode); the server may add more. */
export type DenialReason = Schemas["DenialReasonCode"] | (string & {});

/** One condition the policy engine evaluated while deciding, with the policy it belongs to. */
export type ConditionEvaluation = Schemas["ConditionEvaluation"];

/** What `POST /v1/actions` answers. A denial is a normal result, not an HTTP error; `message` says in one sentence what happened and what to do. */
export type ActionResult = Schemas["ActionResult"];

/** What every decision says, whether it was recorded (`execute`) or only asked (`canI`). */
export type Decision = Pick<ActionResult, "status" | "denialReason" | "policyName" | "policyVersion" | "conditionsEvaluated" | "mode" | "message">;

/** What `POST /v1/actions/check` (`canI`) answers: the decision `execute` would make now (`allowed`, `needsApproval`), with nothing recorded. */
export type CheckResult = Schemas["CheckResult"];

/** How an action went, as the agent reports it. */
export type OutcomeStatus = Schemas["Outcome"]["status"];

/** What `POST /v1/actions/:auditEventId/outcome` answers: the outcome on record. */
export type Outcome = Schemas["Outcome"];

/** What `audit.log` answers: the `agent.evidence` entry written (or, for a retry, the one written the first time). */
export type Evidence = Schemas["Evidence"];

/** State of an agent's circuit breaker: `open` denies every action with `CIRCUIT_OPEN`. */
export type CircuitState = Schemas["Agent"]["cbState"];

/** A policy by name and version. */
export interface PolicyRef {
  name: string;
  version: number;
}

/** What `GET /v1/whoami` answers: the organization and key behind the API key in use, and its agent or member. */
export type WhoAmI = Schemas["WhoAmI"];

/** What `GET /v1/posture` answers: the org's posture score, 0–100, in four components of 25 with their findings (docs/posture.md). */
export type Posture = Schemas["Posture"];
/** How each agent's model and tool calls reach Gatehouse (`admin.coverage()`, docs/agents.md, Coverage). */
export type Coverage = Schemas["Coverage"];
export type AgentCoverage = Schemas["AgentCoverage"];
/** One of the posture score's four components. */
export type PostureComponent = Schemas["PostureComponent"];
/** One deduction from the posture score: what was measured, how many points it costs, and how to fix it. */
export type PostureFinding = Schemas["PostureFinding"];

/** What `GET /health/governance` answers: each health item's status, reason and figures, and the worst status. */
export type GovernanceHealth = Schemas["GovernanceHealth"];
/** An Article 12 evidence report (docs/reports.md). */
export type Article12Report = Schemas["Article12Report"];

/** A `when` condition of a policy: a comparison, `all`/`any`/`not`, or a rate. */
export type Condition = Schemas["Condition"];

export type ConditionOperator = Extract<Condition, { op: unknown }>["op"];

/** A policy document, as written and applied (defaults may be left out). */
export type PolicyDocument = Schemas["PolicyDocument"];

/** One active policy as `GET /v1/policies` shows it. */
export type PolicyView = Omit<Schemas["PolicyView"], "document"> & { document: PolicyDocument };

/** What `GET /v1/policies` answers. */
export type PolicyList = Omit<Schemas["PolicyList"], "policies"> & { policies: PolicyView[] };

/**
 * One active policy as `GET /v1/admin/policies` shows it: the document (defaults filled in), its
 * version, when and by whom that version was published, and how many decisions it decided over the
 * last 7 UTC days.
 */
export type StoredPolicy = PolicyDocument & {
  version: number;
  contentHash: string;
  versionId: string;
  updatedAt?: string;
  updatedBy?: string | null;
  decisions7d?: number;
};

/** What `GET /v1/admin/policies/monitor` answers: what monitor mode and report-only would have blocked, per UTC day and per policy. */
export type PolicyMonitor = Schemas["PolicyMonitor"];

/** A test that travels with a policy set, as stored (defaults filled in): a sample request and the decision it must get. */
export type PolicyTestCase = Schemas["PolicyTestCase"];

/** A test as written and sent (request fields other than `actionType` may be left out). */
export type PolicyTestCaseInput = Schemas["PolicyTestCaseInput"];

/** What `GET /v1/admin/policies` answers: the active documents and the tests published with them. */
export interface StoredPolicyList {
  policies: StoredPolicy[];
  tests: PolicyTestCase[];
}

/** What `POST /v1/admin/policies/test` answers: each test's expected and actual decision. */
export type PolicyTestRun = Schemas["PolicyTestRun"];

/** What `POST /v1/admin/policies/simulate` answers: what a draft would have decided differently over recent decisions. */
export type PolicySimulation = Schemas["PolicySimulation"];

/** Options of `admin.policies.simulate`. */
export interface SimulatePoliciesOptions extends RequestOptions {
  /** Days of past decisions to replay, 1 to 30. Default (the server's): 7. */
  days?: number;
}

/** A template of the policy library: policies named `<id>.…`, their test cases, and why (`GET /v1/admin/policies/library`). */
export type PolicyTemplate = Omit<Schemas["PolicyTemplate"], "policies"> & { policies: PolicyDocument[] };

/** A compliance pack: a framework's controls, each with the templates that address it. */
export type PolicyPack = Schemas["PolicyPack"];

/** What `GET /v1/admin/policies/library` answers. */
export type PolicyLibrary = Omit<Schemas["PolicyLibrary"], "templates"> & { templates: PolicyTemplate[] };

/** What `PUT /v1/admin/policies` answers: how the active set changed (or would, with `dryRun`). */
export type PolicySetDiff = Schemas["PolicySetDiff"];

/** A policy that `apply` creates or changes. */
export type PolicyChange = PolicySetDiff["created"][number];

/** The org's policy draft (`policies.draft.get`): source text, its format, its revision (0: none stored), who saved it last. */
export type PolicyDraft = Schemas["PolicyDraft"];

/** What `policies.draft.save` sends. */
export type SavePolicyDraftRequest = Schemas["PolicyDraftSave"];

/** What `policies.draft.publish` answers: live now, or waiting for a second admin's approval. */
export type PolicyPublishOutcome = Schemas["PolicyDraftPublished"] | Schemas["PolicyDraftPendingApproval"];

/** A policy's versions, newest first (`policies.versions(name)`). */
export type PolicyVersionList = Schemas["PolicyVersionList"];

/** Where an approval stands. `pending` until members decide it, it expires or the agent is halted. */
export type ApprovalStatus = Schemas["Approval"]["status"];

/** A member of the organization as approvals show them (membership id `mem_…`). */
export type ApprovalMember = Schemas["MemberRef"];

/** What `GET /v1/approvals/:id` (and the admin API) answers: a request for approval and where it stands (docs/approvals.md). */
export type Approval = Schemas["Approval"];

/** What `POST /v1/approvals/wait` answers: the outcomes of the approvals of the set no longer pending, the ids still pending, the ids not found. */
export type ApprovalWaitResult = Schemas["ApprovalWaitResult"];

/** How an approval ended, as the shared wait answers it: `status`, `result`, `decidedBy`, `decisionReason`, `decidedAt`. */
export type ApprovalOutcome = Schemas["ApprovalOutcome"];

/** One member's vote on an approval. */
export type ApprovalVote = Approval["votes"][number];

/** A page of approvals, newest first. Pass `nextCursor` as `cursor` for the next page; `null` on the last. */
export type ApprovalList = Schemas["ApprovalList"];

/**
 * What `approvals.decideMany` answers: one result per approval id, in the order sent — the approval's
 * status after the vote, or why this vote was refused (`error.code` FORBIDDEN for the requester or a
 * role the approval's policy does not name, NOT_FOUND, CONFLICT for a decided or expired one).
 */
export type BulkApprovalDecision = Schemas["BulkApprovalDecisionResult"];

/** The kinds of event `GET /v1/events` streams (the contract's, and the stream's own `replay.truncated`). The server may add more. */
export type GatehouseEventType = Schemas["EventData"]["type"] | "replay.truncated" | (string & {});

/** What an event says. Which optional fields are present depends on its type; the server may add more. */
export type GatehouseEventData = Schemas["EventData"];

/**
 * The `data` of a `replay.truncated` event: the stream's first event when `lastEventId` is older than
 * the server's replay window (the last 10,000 log entries). Entries `skipped.fromSeq` to `skipped.toSeq`
 * are not replayed; read them from the audit log (`GET /v1/audit/export`). The event's `id` is
 * `resumesAfter`, so the iteration resumes from there after a reconnect.
 */
export interface ReplayTruncatedData {
  type: "replay.truncated";
  requestedAfter: number;
  resumesAfter: number;
  skipped: { fromSeq: number; toSeq: number };
  window: number;
  message: string;
}

/** One event of the stream. */
export interface GatehouseEvent {
  /** The audit sequence number, as the stream's event id: resume after it with `subscribe({ lastEventId })`. */
  id: string;
  type: GatehouseEventType;
  data: GatehouseEventData;
}

/** Options every call accepts. */
/** A member's role, highest first: what it may do is the server's permission catalogue. */
export type MemberRole = Schemas["Member"]["role"];

/** What `GET /v1/admin/org` answers. */
export type Org = Schemas["Org"];

/** What `PATCH /v1/admin/org` takes: a new name, a new slug, or both. */
export type UpdateOrgRequest = Schemas["UpdateOrgRequest"];

/** What `POST /v1/admin/org/close` answers: the closed org (its keys, this client's included, no longer work). */
export type ClosedOrg = Schemas["ClosedOrg"];

/** The org's settings: circuit-breaker thresholds and the default approval timeout. */
export type OrgSettings = Schemas["OrgSettings"];

/**
 * What `settings.update` answers when the two-admin rule (`policies.requireSecondApproval`) is on and the
 * change weakens enforcement: nothing is applied until another owner or admin approves `approvalId`.
 */
export type SettingsChangePending = Schemas["SettingsChangePendingApproval"];

/** What `PATCH /v1/admin/settings` takes: the settings to change, merged onto the current ones. */
export type UpdateSettingsRequest = Schemas["UpdateSettingsRequest"];

/** A member of the org: role, how they sign in, when they were last active. */
export type Member = Schemas["Member"];

/** What `DELETE /v1/admin/members/:id` answers: the removed member and the admin keys revoked with it. */
export type RemovedMember = Schemas["RemovedMember"];

/** An invitation to join the org. */
export type Invitation = Schemas["Invitation"];

/** What `POST /v1/admin/invitations` answers: the invitation, its token (shown once) and the URL to accept it. */
export type CreatedInvitation = Schemas["CreatedInvitation"];
/** A webhook endpoint (docs/webhooks.md); its `whsec_` secret is answered once, by create and rotate. */
export type WebhookEndpoint = Schemas["WebhookEndpoint"];
export type CreatedWebhook = Schemas["CreatedWebhook"];
/** One attempt to deliver one message to an endpoint. */
export type WebhookDelivery = Schemas["WebhookDelivery"];
export type CreateWebhookRequest = Schemas["CreateWebhookRequest"];
export type UpdateWebhookRequest = Schemas["UpdateWebhookRequest"];
/** An MCP server behind the org's gateways (docs/integrations/mcp.md); its credential is never answered, only whether one is set. */
export type McpServer = Schemas["McpServer"];
export type CreateMcpServerRequest = Schemas["CreateMcpServerRequest"];
export type UpdateMcpServerRequest = Schemas["UpdateMcpServerRequest"];
/** One tool of an MCP server as pinned, with a changed definition waiting for review (`pending`). */
export type McpToolPin = Schemas["McpToolPin"];
/** An MCP gateway: one endpoint, `path` on the API's origin, in front of a set of the org's servers. */
export type McpGateway = Schemas["McpGateway"];
export type CreateMcpGatewayRequest = Schemas["CreateMcpGatewayRequest"];
export type UpdateMcpGatewayRequest = Schemas["UpdateMcpGatewayRequest"];
/** A standing grant (docs/approvals.md): an agent's matching calls executed without a person until it expires, is used up or revoked. */
export type StandingGrant = Schemas["StandingGrant"];
export type StandingGrantRequest = Schemas["StandingGrantRequest"];
export type GrantedApproval = Schemas["GrantedApproval"];
/** The org's Slack app (its secrets are never answered): `state` says whether Slack has proven it yet. */
export type SlackConnection = Schemas["SlackConnection"];
/** Connecting or changing the Slack app waiting for a second admin's approval (the two-admin rule). */
export type SlackConnectionPending = Schemas["SlackConnectionPendingApproval"];

/** An agent of the org: its status (`halted` agents are denied every action), labels and circuit breaker. */
export type Agent = Schemas["Agent"];

/** What `POST /v1/admin/agents` takes: a name (letters, digits, `.`, `_`, `-`), an optional description and labels. */
export type CreateAgentRequest = Schemas["CreateAgentRequest"];

/** What `POST /v1/admin/agents` answers: the agent and its first key, `apiKey`, shown once. */
export type CreatedAgent = Schemas["CreatedAgent"];

/** An agent's API key, without its secret. */
export type ApiKey = Schemas["ApiKey"];

/** What `POST /v1/admin/agents/:id/keys` answers: another key of the agent, `apiKey`, shown once. */
export type IssuedAgentKey = Schemas["IssuedAgentKey"];

/** A member's personal admin key, without its secret, with whose it is and whether it is the caller's (`mine`). */
export type AdminKey = Schemas["AdminKey"];

/** What `POST /v1/admin/keys` answers: a personal admin key of the calling member, `apiKey`, shown once. */
export type IssuedAdminKey = Schemas["IssuedAdminKey"];

/** What `DELETE /v1/admin/keys/:id` answers. */
export type RevokedKey = Schemas["RevokedKey"];

/** Options of `admin.agents.halt` and `.resume`. */
export interface AgentStatusOptions extends RequestOptions {
  /** Why (up to 500 characters); recorded in the audit log, and for a halt shown with the agent. */
  reason?: string;
}

/** Options of `admin.agents.keys.issue`. */
export interface IssueAgentKeyOptions extends RequestOptions {
  /** A name for the key (1-100 characters). Default `default`. */
  name?: string;
  /** Days until the key expires (1-3650). Default: it does not expire. */
  expiresInDays?: number;
}

/** What `admin.keys.issue` takes. */
export interface IssueAdminKeyRequest {
  /** A name for the key, e.g. the machine it lives on (1-100 characters). Default `admin`. */
  name?: string;
  /** Days until the key expires (1-3650). Default: it does not expire. */
  expiresInDays?: number;
}

/** Options of `admin.invitations.create`. */
export interface CreateInvitationOptions extends RequestOptions {
  /** Days until the invitation expires (1-30). Default 7. */
  expiresInDays?: number;
}

export interface RequestOptions {
  /** Aborts the call (including any wait between retries); the call then rejects with `APIUserAbortError`. */
  signal?: AbortSignal;
}

/**
 * The tool call an action stands for: its name and either its arguments (the server hashes them
 * and does not store them) or their `argsDigest` (see `argsDigest()`). The decision, its audit entry
 * and its approval carry `{ name, argsDigest }`: an approval holds for these arguments only.
 */
export interface ToolCall {
  name: string;
  arguments?: unknown;
  argsDigest?: string;
}

/** What an action is about; policies test these facts. */
export interface ActionFacts {
  /** Facts about the action that policies can test as `metadata.*`. */
  metadata?: Record<string, unknown>;
  /** The data the action touches, testable by policies as `dataAccessed`. */
  dataAccessed?: DataAccess[];
  /** The tool call this action stands for (`describeToolCall` builds it). */
  tool?: ToolCall;
  /**
   * What a model call will spend (docs/budgets.md): its projected cost is reserved against the budgets
   * that apply, in the decision's own transaction; report its `usage` to settle it. Default: not sent.
   */
  spend?: Spend;
  /**
   * What your own screen found in content you do not send to Gatehouse (a model call's prompt: the
   * model-client wrappers send it; docs/guardrails.md): detector, class and path, never the value. The
   * decision judges it by the call's content rules and answers them in `content`. Default: not sent.
   */
  screened?: ScreenedFinding[];
}

/** A finding of the caller's own screen (`screened` on a decision or an outcome): detector, class and path, never the value. */
export type ScreenedFinding = NonNullable<Schemas["ActionRequest"]["screened"]>[number];

/** What a call declares it will spend on a model: the model, the prompt's tokens, the most it may answer with. */
export type Spend = NonNullable<Schemas["ActionRequest"]["spend"]>;
/** What a model call used, as the provider reported it (an outcome's `usage`). */
export type Usage = NonNullable<Schemas["OutcomeRequest"]["usage"]>;
/** A budget as an answer explains it: its limit, what is spent and reserved, and whether this call went over. */
export type BudgetState = NonNullable<Schemas["ActionResult"]["budget"]>;
/** A budget's count for one period (`admin.budgets.list()`). */
export type Budget = Schemas["Budget"];
/** The org's enabled content detectors (`contentDetectors()`): name, class, RE2 pattern, keywords, checksum. */
export type ScreenDetectorList = Schemas["ScreenDetectorList"];

/** The prices model calls are counted at (`prices()`). */
export type PriceList = Schemas["PriceList"];

/** Options of {@link Gatehouse.execute}. */
export interface ExecuteOptions extends ActionFacts, RequestOptions {
  /**
   * Idempotency key of this action. Default: a random UUID generated once per call. Either way the
   * same value is sent on every retry, so a retry can never act twice.
   */
  eventId?: string;
  /**
   * The run this call belongs to (docs/runs.md): 1–200 characters of `[A-Za-z0-9._:-]`, not starting
   * with `run_`. The first call naming it starts the run. Default: the client's run, on a client made
   * by `run()` or `withRun()`; none otherwise.
   */
  runId?: string;
  /** The run's name for people, kept from the call that starts the run. Default: the client's run's name. */
  runName?: string;
}

/** Whether an agent is there: `live`, `idle`, `unresponsive` (its heartbeat session missed its beats) or `halted`. */
export type Presence = Schemas["Presence"];
/** What `POST /v1/heartbeat` answers: the agent's presence after the beat. */
export type Heartbeat = Schemas["Heartbeat"];

/** Options of {@link Gatehouse.heartbeat}. */
export interface HeartbeatOptions extends RequestOptions {
  /** The interval the session declares, in seconds (5–3600). Default: the client's (30). */
  intervalSeconds?: number;
  /** `running` (default) opens or keeps the session; `stopped` closes it. */
  state?: "running" | "stopped";
}

/**
 * What `scan` reads (`POST /v1/scan`): a text of at most 256 KiB, or any JSON value (at most 32 levels,
 * 10,000 values and 256 KiB in its strings and keys) — exactly one of the two.
 */
export type ScanInput = { text: string; json?: never } | { json: unknown; text?: never };
/** What `scan` answers: each finding's detector, class and path (a text's also `start`/`end`), never the value; `truncated` past 100. */
export type ScanResult = Schemas["ScanResult"];
/** One finding of a scan. */
export type ScanFinding = Schemas["ScanFinding"];

/** A run: an agent's calls for one piece of work, grouped by the runId it chose (`GET /v1/runs/:id`). */
export type Run = Schemas["Run"];
/** What a run is doing: running, waiting (an approval is pending), idle, or how it ended. */
export type RunStatus = Schemas["RunStatus"];
/** A run with its timeline: decisions, approvals with who voted, outcomes and its end, oldest first. */
export type RunDetail = Schemas["RunDetail"];
/** One item of a run's timeline. */
export type RunTimelineItem = Schemas["RunTimelineItem"];
/** How a run ended. */
export type RunEndStatus = NonNullable<Schemas["EndRunRequest"]["status"]>;

/** Options of {@link Gatehouse.run}. */
export interface RunOptions {
  /** The runId to use. Default: one made from the name and a random part (`triage-4512-1f3a9c2b7d4e`). */
  runId?: string;
  /**
   * Called with the error when ending the run fails (the run then reads as idle after its timeout).
   * Ending a run is bookkeeping: by default its failure is ignored, and `run()` resolves or rejects
   * as the callback did.
   */
  onEndError?: (error: unknown) => void;
}

/** Options of {@link Gatehouse.runs}. */
export interface ListRunsOptions extends RequestOptions {
  /** Only runs with this status. */
  status?: RunStatus;
  /** At most this many (1–100). Default: 50. */
  limit?: number;
  /** The `nextCursor` of the page before. */
  cursor?: string;
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
export interface CanIOptions extends ActionFacts, RequestOptions {
  /** The run to ask in (it records nothing, and starts no run). Default: the client's run. */
  runId?: string;
}

/** Options of {@link Gatehouse.report}. */
export interface ReportOptions extends RequestOptions {
  status: OutcomeStatus;
  /** Up to 2,000 characters. */
  message?: string;
  /** The run the action was recorded in, checked by the server (another run's is a `BadRequestError` naming `runId`). Default: not sent. */
  runId?: string;
  /** What the model call used, as the provider reported it: it settles the decision's reservation. Default: not sent. */
  usage?: Usage;
  /** Facts about the result (`{ rowsAffected: 12 }`), tested by the policies' post-conditions as `outcome.<path>`. Default: not sent. */
  data?: Record<string, unknown>;
  /** What your own screen found in the result you keep (a model's answer; docs/guardrails.md): recorded as flagged findings. Default: not sent. */
  screened?: ScreenedFinding[];
}

/** Options of `audit.log`. */
export interface LogEvidenceOptions extends RequestOptions {
  /** The decision this is evidence for (one of this agent's `auditEventId`s). */
  auditEventId?: string;
  /** Makes the call safe to retry; one is made per call otherwise, and sent again on every retry. */
  eventId?: string;
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
  /** The tests that travel with the set: run before anything is written (a failing one is a `BadRequestError` naming `tests[i]`) and stored with it. */
  tests?: readonly PolicyTestCaseInput[];
}

/** The `fetch` the client calls. `globalThis.fetch` fits, as does any function of this shape. */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/** One kind of data an action reads or writes. */
export type DataAccess = Schemas["DataAccess"];

/** One entry of the audit log, as `GET /v1/audit` lists it (`canonical` is the exact RFC 8785 text hashed into `leafHash`). */
export type AuditEvent = Omit<Schemas["AuditEvent"], "type" | "data"> & AuditEntry;

/**
 * The `type` and `data` of an audit entry, one member per entry type: narrow on `type` to read its data.
 * The server may add entry types.
 */
export type AuditEntry = Schemas["AuditEntry"];

/** A page of audit entries, newest first. */
export type AuditEventList = Omit<Schemas["AuditEventList"], "events"> & { events: AuditEvent[] };

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

/** A signed checkpoint of the audit log: its tree size and root, signed as a C2SP signed note (`note`, verbatim). */
export type Checkpoint = Schemas["Checkpoint"];

/** A page of signed checkpoints, largest tree first. */
export type CheckpointList = Schemas["CheckpointList"];
export type WitnessStatus = Schemas["WitnessStatus"];

/** Options of `audit.checkpoints`. */
export interface ListCheckpointsOptions extends RequestOptions {
  cursor?: string;
  /** Page size, 1–100. Default: the server's (50). */
  limit?: number;
}

/** One of the org's checkpoint signing keys, public half only (`vkey` in C2SP signed-note form). */
export type SigningKey = Schemas["SigningKey"];

/** What `GET /v1/audit/keys` answers: every key the org has used, oldest first. */
export type SigningKeyList = Schemas["SigningKeyList"];

/** What `POST /v1/admin/audit/keys/rotate` answers: the keys after rotating, and a checkpoint signed with the new one. */
export type KeyRotation = Schemas["KeyRotation"];

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
export type InclusionProof = Extract<Schemas["AuditProof"], { type: "inclusion" }>;

/** What `GET /v1/audit/proof?from=…` answers: an RFC 6962 consistency proof. */
export type ConsistencyProof = Extract<Schemas["AuditProof"], { type: "consistency" }>;

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
export type InclusionProofOptions = ({ entryId: string; seq?: undefined } | { seq: number; entryId?: undefined }) &
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
export type AuditVerification = Schemas["AuditVerification"];

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

/** A delegation: authority a parent agent handed to a child agent, narrowed to `capabilities`, until `expiresAt`. */
export type Delegation = Schemas["Delegation"];

/** What `POST /v1/delegations` answers: the delegation and the child's key, `apiKey`, shown once (it expires with the delegation). */
export type CreatedDelegation = Schemas["CreatedDelegation"];

/** Options of `Gatehouse.delegate` and `Gatehouse.withDelegation`. */
export interface DelegateOptions extends RequestOptions {
  /**
   * Action-type patterns the child may act on (`"pr.open"`, `"pr.*"`), each covered by the caller's
   * own (a root agent's are `*`): a wider one is refused with `DelegationScopeError`.
   */
  capabilities: readonly string[];
  /**
   * How long the delegation lasts: whole seconds (`900`) or a duration (`"15m"`, `"2h"`, `"1h30m"`,
   * `"1d"`; units `s`, `m`, `h`, `d`). At most 24 hours and no longer than the caller's own
   * delegation has left (the server's limits).
   */
  ttl: number | string;
  /** Free JSON kept with the delegation (at most 200 values). */
  metadata?: Record<string, unknown>;
}

/** Options of `Gatehouse.withDelegation`. */
export interface WithDelegationOptions extends DelegateOptions {
  /**
   * Called with the error when revoking at the end fails (the delegation then lives until it
   * expires). With it, `withDelegation` resolves with the callback's value or rethrows the
   * callback's error as if the revoke had worked. Without it, a failed revoke is thrown: alone
   * when the callback succeeded, or as an `AggregateError` of `[callbackError, revokeError]` when
   * the callback threw.
   */
  onRevokeError?: (error: unknown, delegation: Delegation) => void;
}

/** Options of `Gatehouse.delegations`. */
export interface ListDelegationsOptions extends RequestOptions {
  /** `parent` (the server's default): the delegations this agent granted; `child`: the one it received, when it is a delegate. */
  role?: "parent" | "child";
  /** Only delegations neither revoked nor expired. */
  activeOnly?: boolean;
}

/** What revoking answers: the ids of every delegation the call revoked, the one named and each of its still active descendants (empty when it was revoked already). */
export type RevokedDelegations = Schemas["RevokedDelegations"];

/** What `GET /v1/admin/delegations?agentId=` answers: every delegation below the agent, revoked and expired ones included, by depth then creation, each with its `parentDelegationId`. */
export type DelegationTree = Schemas["DelegationTree"];

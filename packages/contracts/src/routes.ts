import { actionRequestSchema, type Permission } from "@gatehouse/core";
import { z } from "zod";
import { budgetListQuerySchema, budgetListSchema, priceListSchema } from "./budgets";
import { actionResultSchema, checkBodySchema, checkResultSchema, executeBodySchema, outcomeBodySchema, outcomeParamsSchema, outcomeSchema } from "./actions";
import {
  adminKeyListSchema,
  agentListSchema,
  agentSchema,
  agentStatusBodySchema,
  apiKeyListSchema,
  createAgentBodySchema,
  createdAgentSchema,
  issueAdminKeyBodySchema,
  issueAgentKeyBodySchema,
  issuedAdminKeySchema,
  issuedAgentKeySchema,
  heartbeatBodySchema,
  heartbeatSchema,
  orgSettingsSchema,
  pendingSettingsChangeSchema,
  revokedKeySchema,
  updateSettingsBodySchema,
  whoamiSchema,
} from "./agents";
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
} from "./approvals";
import {
  auditErasureBodySchema,
  auditErasureSchema,
  auditListQuerySchema,
  auditListSchema,
  auditProofSchema,
  auditVerificationSchema,
  evidenceBodySchema,
  evidenceSchema,
  checkpointListQuerySchema,
  checkpointListSchema,
  checkpointSchema,
  exportQuerySchema,
  keyRotationSchema,
  proofQuerySchema,
  signingKeyListSchema,
  textFormatQuerySchema,
} from "./audit";
import { agentIdParams, apiKeyIdParams, approvalIdParams, delegationIdParams } from "./common";
import {
  adminDelegationQuerySchema,
  createDelegationBodySchema,
  createdDelegationSchema,
  delegationListQuerySchema,
  delegationListSchema,
  delegationSchema,
  delegationTreeSchema,
  revokedDelegationsSchema,
} from "./delegations";

/** An idempotency key has the shape of a decision's eventId. */
const idempotencyKey = actionRequestSchema.shape.eventId;

/** For the calls that answer a secret once (an agent, a key): a retry gets a fresh secret for the same object. */
const issueIdempotencyHeaders = (what: string) =>
  z.object({
    "idempotency-key": idempotencyKey
      .optional()
      .describe(
        `Makes the call safe to retry (the SDK sends one per call and the same on every retry): within 24 hours, a retry with this key by the same caller (the same API key, or the same member's session), after the checks the first call ran, answers ${what} with a fresh secret, and the first secret stops working. The same value from any other caller is a new call; the audit log records only a digest bound to the caller.`,
      ),
  });

const idempotencyHeaders = z.object({
  "idempotency-key": idempotencyKey.describe("The decision's eventId (the SDK sends one per call and the same on every retry): a retry answers the original decision."),
});
import { eventDataSchema, eventsQuerySchema } from "./events";
import {
  closedOrgSchema,
  closeOrgBodySchema,
  createdInvitationSchema,
  createInvitationBodySchema,
  invitationIdParams,
  invitationListSchema,
  invitationSchema,
  memberIdParams,
  memberListSchema,
  memberSchema,
  orgSchema,
  removedMemberSchema,
  updateMemberBodySchema,
  updateOrgBodySchema,
} from "./members";
import { healthSchema } from "./health";
import { hookAnswerSchema, hookParamsSchema, hookQuerySchema, preToolUseBodySchema } from "./hooks";
import {
  dryRunQuerySchema,
  policyListSchema,
  policyScopeQuerySchema,
  policySetBodySchema,
  policySetDiffSchema,
  policySimulationSchema,
  policyTestRunSchema,
  simulatePoliciesBodySchema,
  storedPolicyListSchema,
} from "./policies";
import { policyMonitorQuerySchema, policyMonitorSchema } from "./policy-monitor";
import { policyLibrarySchema } from "./policy-library";
import {
  pendingPolicyDraftSchema,
  policyDraftSchema,
  policyNameParams,
  policyVersionListSchema,
  publishedPolicyDraftSchema,
  publishPolicyDraftBodySchema,
  savePolicyDraftBodySchema,
} from "./policy-drafts";
import { postureSchema } from "./posture";
import { endRunBodySchema, runDetailSchema, runListQuerySchema, runListSchema, runParams, runSchema } from "./runs";
import { ssoDomainClaimListSchema, ssoDomainClaimSchema, verifySsoDomainBodySchema } from "./sso-domains";

/**
 * Who may call a route: nobody needs a key (`public`); any key of the org (`key`); an agent's key
 * (`agent`: a member's key is refused with 403 by the service); a member's admin key (`admin`: an
 * agent's key is refused with 403 before anything else; the member's role is checked by the service).
 */
export type RouteAuth = "public" | "key" | "agent" | "admin";

/** A response that is not JSON: its media types, described for the reference. */
export interface RawContent {
  mediaTypes: readonly string[];
  description: string;
  /** For an event stream: the schema of each event's `data`. */
  itemSchema?: z.ZodType;
}

export interface RouteContract {
  operationId: string;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Fastify style: `/v1/approvals/:id`. */
  path: string;
  summary: string;
  description?: string;
  tag: "Decisions" | "Runs" | "Budgets" | "Approvals" | "Audit" | "Events" | "Policies" | "Agents" | "Delegations" | "Organization" | "Members" | "Posture" | "Service";
  auth: RouteAuth;
  /** The catalogue permission a member's key needs (checked before anything is parsed; the service checks it again). */
  permission?: Permission;
  params?: z.ZodObject;
  query?: z.ZodType;
  /** Request headers the route reads besides `Authorization` (documented; the handler checks them). */
  headers?: z.ZodObject;
  body?: z.ZodType;
  /** The body may be left out (an empty POST). Default: required when `body` is given. */
  bodyOptional?: boolean;
  /** The success status and its JSON body; `raw` for streams and downloads (or a text alternative). */
  success: { status: 200 | 201; description: string; json?: z.ZodType; raw?: RawContent };
  /** A second success answer (202: accepted, waiting for something, e.g. a publish waiting for approval). */
  accepted?: { status: 202; description: string; json: z.ZodType };
  /** The body cap in bytes when it is not the server's 64 KB (a policy draft: 1 MB). */
  bodyLimit?: number;
  /**
   * Calls of one org through this route (and every route naming the same turn) run one at a time per
   * process, from before the body is read to the answer: the org's further calls wait their turn
   * (429 with Retry-After past the queue), so one org's heavy edits never crowd the event loop that
   * every org's decisions share (docs/adr/0015).
   */
  orgTurn?: "policy editing";
}

export const routes = [
  {
    operationId: "health",
    method: "GET",
    path: "/healthz",
    summary: "Health",
    description: "200 when the database answers; 503 when it does not. Redis is reported but not required.",
    tag: "Service",
    auth: "public",
    success: { status: 200, description: "The service is up.", json: healthSchema },
  },
  {
    operationId: "openApi",
    method: "GET",
    path: "/openapi.json",
    summary: "This document",
    description: "The OpenAPI 3.1 description of the API, generated from its contracts. A rendered reference is at `/docs`.",
    tag: "Service",
    auth: "public",
    success: { status: 200, description: "The OpenAPI document.", raw: { mediaTypes: ["application/json"], description: "An OpenAPI 3.1 document." } },
  },
  {
    operationId: "execute",
    method: "POST",
    path: "/v1/actions",
    summary: "Decide on an action and record it (execute)",
    description:
      "Decides by the org's policies and records the decision in the audit log before answering. `eventId` makes the call idempotent: the same eventId answers the original result.",
    tag: "Decisions",
    auth: "agent",
    headers: idempotencyHeaders,
    body: executeBodySchema,
    success: { status: 200, description: "The decision: executed, requested (an approval is pending) or denied.", json: actionResultSchema },
  },
  {
    operationId: "canI",
    method: "POST",
    path: "/v1/actions/check",
    summary: "Ask what execute would decide (canI)",
    description: "Records nothing, creates no approval and consumes no rate limit.",
    tag: "Decisions",
    auth: "agent",
    body: checkBodySchema,
    success: { status: 200, description: "The decision execute would make now.", json: checkResultSchema },
  },
  {
    operationId: "reportOutcome",
    method: "POST",
    path: "/v1/actions/:auditEventId/outcome",
    summary: "Report how an executed action went",
    description: "The first outcome wins: the same report again answers the outcome on record; a different one is a 409.",
    tag: "Decisions",
    auth: "agent",
    params: outcomeParamsSchema,
    body: outcomeBodySchema,
    success: { status: 200, description: "The outcome on record.", json: outcomeSchema },
  },
  {
    operationId: "heartbeat",
    method: "POST",
    path: "/v1/heartbeat",
    summary: "Say the agent is there (presence)",
    description:
      "Opens or keeps the calling agent's heartbeat session (`running`, the default, with its `intervalSeconds`), or closes it (`stopped`). While a session is open, missing three beats makes the agent read as unresponsive and records `agent.unresponsive` (streamed, naming its runs in flight); any call with the agent's key counts as a beat too. The TypeScript SDK sends these while a client is in use.",
    tag: "Agents",
    auth: "agent",
    body: heartbeatBodySchema,
    bodyOptional: true,
    success: { status: 200, description: "The agent's presence after the beat.", json: heartbeatSchema },
  },
  {
    operationId: "listRuns",
    method: "GET",
    path: "/v1/runs",
    summary: "Runs: an agent's calls grouped by the runId it chose",
    description:
      "The most recently active first. A member's key (`agents.read`) sees the org's runs; an agent's key sees its own: those rooted at it or started by it, and for a delegate those it made a call in.",
    tag: "Runs",
    auth: "key",
    permission: "agents.read",
    query: runListQuerySchema,
    success: { status: 200, description: "A page of runs.", json: runListSchema },
  },
  {
    operationId: "getRun",
    method: "GET",
    path: "/v1/runs/:id",
    summary: "One run with its timeline",
    description:
      "Its decisions with their reasons, each approval with who voted and why, each outcome and its end, oldest first (the newest 500 decisions). An agent's key may name the run by the runId it chose; a root agent reads its delegates' calls too, a delegate only its own. Another org's run, or one the agent may not see: 404.",
    tag: "Runs",
    auth: "key",
    permission: "agents.read",
    params: runParams,
    success: { status: 200, description: "The run and its timeline.", json: runDetailSchema },
  },
  {
    operationId: "endRun",
    method: "POST",
    path: "/v1/runs/:id/end",
    summary: "End a run",
    description:
      "By the run's root agent or the agent that started it (anyone else: 404): `completed` (default), `failed` or `cancelled`, recorded as a `run.ended` entry. Ending it again with the same status answers the run; a later call naming its runId picks it up again.",
    tag: "Runs",
    auth: "agent",
    params: runParams,
    body: endRunBodySchema,
    bodyOptional: true,
    success: { status: 200, description: "The run as it now stands.", json: runSchema },
  },
  {
    operationId: "listBudgets",
    method: "GET",
    path: "/v1/budgets",
    summary: "Budgets: what each has spent and holds in reserve",
    description:
      "Each budget's count for its period (a run, an agent's UTC day, the org's UTC month, a pot's month), the most recently touched first, with the limit its policy states now. For members with `posture.read`.",
    tag: "Budgets",
    auth: "key",
    permission: "posture.read",
    query: budgetListQuerySchema,
    success: { status: 200, description: "The org's budget counts.", json: budgetListSchema },
  },
  {
    operationId: "listPrices",
    method: "GET",
    path: "/v1/prices",
    summary: "The model prices calls are counted at",
    description:
      "The built-in table (OpenAI, Anthropic, Google, Mistral: input, output, cache read and write per million tokens, by service tier, each with its source and the day it took effect) and the org's own prices, which win. Any key of the org.",
    tag: "Budgets",
    auth: "key",
    success: { status: 200, description: "The prices.", json: priceListSchema },
  },
  {
    operationId: "listPolicies",
    method: "GET",
    path: "/v1/policies",
    summary: "Active policies (for this agent, or the whole org)",
    tag: "Policies",
    auth: "key",
    query: policyScopeQuerySchema,
    success: { status: 200, description: "The active policies.", json: policyListSchema },
  },
  {
    operationId: "codingAgentHook",
    method: "POST",
    path: "/v1/hooks/:agent",
    summary: "Decide a coding agent's tool call (PreToolUse hook)",
    description:
      "For a Claude Code `http` hook (or `gatehouse hook claude-code|codex` as a command hook): decides the call as `execute` does (MCP tools `mcp__<server>__<tool>` as `mcp.<server>.<tool>`, others as `tool.<name>`), holds it up to `waitSeconds` for a person when a policy asks for one (re-attaching to an unused approval of the same call in the same session; an approval lets one call through), and answers in the hook's own format: allow or deny, never ask (the person at the terminal is not the approver Gatehouse asked). The agents treat a non-2xx answer as a failed hook and run the tool anyway, so every refusal — a missing or refused key, a malformed payload, a body over 512 KB, too many waiting calls, a fault on our side — is answered 200 with `deny` naming it, its code in the `x-gatehouse-error` header. The answer's `x-gatehouse-status`, `x-gatehouse-approval-id` and `x-gatehouse-audit-event-id` headers carry Gatehouse's own decision.",
    tag: "Decisions",
    auth: "agent",
    params: hookParamsSchema,
    query: hookQuerySchema,
    body: preToolUseBodySchema,
    bodyLimit: 512 * 1024,
    success: { status: 200, description: "allow, deny (with the reason the model reads) or ask.", json: hookAnswerSchema },
  },
  {
    operationId: "whoami",
    method: "GET",
    path: "/v1/whoami",
    summary: "Who the key acts as",
    tag: "Organization",
    auth: "key",
    success: { status: 200, description: "The org, the key, and its agent or member.", json: whoamiSchema },
  },
  {
    operationId: "getPosture",
    method: "GET",
    path: "/v1/posture",
    summary: "The org's posture score and what to fix",
    description:
      "How well the org's agents are governed, 0–100: four components of 25 points (policy coverage, human oversight, identity and access, audit integrity), each deduction a finding with the measured numbers and a fix. Computed on each call from the org's data over the last 30 days; the formulas are in docs/posture.md. Any key of the org.",
    tag: "Posture",
    auth: "key",
    permission: "posture.read",
    success: { status: 200, description: "The score, its components and their findings.", json: postureSchema },
  },
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
  {
    operationId: "streamEvents",
    method: "GET",
    path: "/v1/events",
    summary: "Server-sent events of decisions and approvals",
    description:
      "Each event's id is its audit sequence number; reconnect with `Last-Event-ID` to resume exactly where the stream stopped. A replay goes back at most the last 10,000 log entries: an older id starts with a `replay.truncated` event (its id is where the replay resumes; the skipped entries are in the audit export), and an id past the log's newest entry is a 400. A reader that falls more than 1,000 events behind gets a last `stream.closed` event and is disconnected; reconnecting resumes after the last event it received. A key holds at most 10 streams at once and an org's keys together 50, per API process (configurable); another is answered 429 with `Retry-After` and how many are open.",
    tag: "Events",
    auth: "key",
    permission: "events.read",
    query: eventsQuerySchema,
    success: {
      status: 200,
      description: "An event stream.",
      raw: { mediaTypes: ["text/event-stream"], description: "`id`, `event` (the type) and `data` (JSON) per event.", itemSchema: eventDataSchema },
    },
  },
  {
    operationId: "listAuditEntries",
    method: "GET",
    path: "/v1/audit",
    summary: "Audit entries, newest first",
    description: "An agent's key sees its own agent's entries.",
    tag: "Audit",
    auth: "key",
    query: auditListQuerySchema,
    success: { status: 200, description: "A page of entries.", json: auditListSchema },
  },
  {
    operationId: "logEvidence",
    method: "POST",
    path: "/v1/audit/entries",
    summary: "Add the agent's own evidence to the log",
    description:
      "An agent's key only (its own entries: attributed to the agent, or to the delegate and its chain). Writes an `agent.evidence` entry with `kind` and `details` (at most 16 KiB, screened by the org's content rules: a refused finding is a 400 naming `details` and nothing is written), naming the decision it is evidence for when `auditEventId` is given (another agent's or another org's decision: 404). The same `eventId` again answers the entry it wrote; with other content, 409.",
    tag: "Audit",
    auth: "agent",
    headers: z.object({ "idempotency-key": idempotencyKey.optional().describe("The call's eventId (the SDK sends one per call and the same on every retry).") }),
    body: evidenceBodySchema,
    success: { status: 201, description: "The entry written, or the one a retry's eventId wrote.", json: evidenceSchema },
  },
  {
    operationId: "getCheckpoint",
    method: "GET",
    path: "/v1/audit/checkpoint",
    summary: "A fresh signed checkpoint of the log",
    tag: "Audit",
    auth: "key",
    query: textFormatQuerySchema,
    success: {
      status: 200,
      description: "The checkpoint.",
      json: checkpointSchema,
      raw: { mediaTypes: ["text/plain"], description: "With `format=text` (or `Accept: text/plain`): the signed note itself." },
    },
  },
  {
    operationId: "listCheckpoints",
    method: "GET",
    path: "/v1/audit/checkpoints",
    summary: "Signed checkpoints, largest tree first",
    tag: "Audit",
    auth: "key",
    query: checkpointListQuerySchema,
    success: { status: 200, description: "A page of checkpoints.", json: checkpointListSchema },
  },
  {
    operationId: "listSigningKeys",
    method: "GET",
    path: "/v1/audit/keys",
    summary: "The org's checkpoint verifier keys",
    tag: "Audit",
    auth: "key",
    query: textFormatQuerySchema,
    success: {
      status: 200,
      description: "The keys.",
      json: signingKeyListSchema,
      raw: { mediaTypes: ["text/plain"], description: "With `format=text` (or `Accept: text/plain`): one verifier key a line." },
    },
  },
  {
    operationId: "getAuditProof",
    method: "GET",
    path: "/v1/audit/proof",
    summary: "An inclusion or consistency proof",
    tag: "Audit",
    auth: "key",
    query: proofQuerySchema,
    success: { status: 200, description: "The proof.", json: auditProofSchema },
  },
  {
    operationId: "verifyAuditLog",
    method: "POST",
    path: "/v1/audit/verify",
    summary: "Recompute and check the whole log on the server",
    description:
      "Members need `audit.verify` (owner, admin, auditor); an agent's key may verify too (the answer says nothing of other agents' entries). Verifications of one org take turns: at most two run at once per org and API process, the rest wait in the org's queue (at most 100, each for at most 30 s) and past it answer 429 with `Retry-After`.",
    tag: "Audit",
    auth: "key",
    permission: "audit.verify",
    success: { status: 200, description: "What the check found.", json: auditVerificationSchema },
  },
  {
    operationId: "exportAuditLog",
    method: "GET",
    path: "/v1/audit/export",
    summary: "Export the log (JSON Lines bundle or CSV)",
    description:
      "The JSONL bundle holds verifier keys, entries with their canonical text and leaf hash, and signed checkpoints: anyone can verify it offline with the public key. Members need `audit.export` (owner, admin, auditor); an agent's key exports its own agent's entries only, each with its inclusion proof. Exports of one org take turns with its other long work (verification, replay, delegation): at most two at once per org and API process, the rest queue (at most 100, each for at most 30 s) and past it answer 429 with `Retry-After`.",
    tag: "Audit",
    auth: "key",
    permission: "audit.export",
    query: exportQuerySchema,
    success: {
      status: 200,
      description: "A download.",
      raw: { mediaTypes: ["application/x-ndjson", "text/csv"], description: "`format=jsonl` (default): the bundle; `format=csv`: the entries for spreadsheets, unsigned." },
    },
  },
  {
    operationId: "rotateSigningKey",
    method: "POST",
    path: "/v1/admin/audit/keys/rotate",
    summary: "Rotate the org's checkpoint signing key",
    description: "With an `Idempotency-Key`, a retry within 24 hours answers the keys as they stand (and a fresh checkpoint) instead of rotating again.",
    tag: "Audit",
    auth: "admin",
    permission: "audit.keys.rotate",
    headers: z.object({
      "idempotency-key": idempotencyKey.describe("Makes the rotation safe to retry: a rotation already recorded with this key is not repeated."),
    }),
    success: { status: 200, description: "The keys and the first checkpoint signed with the new key.", json: keyRotationSchema },
  },
  {
    operationId: "eraseAuditFields",
    method: "POST",
    path: "/v1/admin/audit/erasures",
    summary: "Erase personal or secret data from the audit log, keeping it verifiable",
    description:
      "Owners only (`audit.erase`). Removes the values of the committed fields (a decision's metadata, data accessed and its conditions' values; an outcome's message) of the given entries, or of every field holding `subject`, and records the erasure as an `audit.erased` entry (who, when, why; a subject only as its keyed hash). Cannot be undone. Every tree hash, checkpoint and proof stays valid: entries of the second format hold only their fields' salted digests. Entries written before the second format (`\"v\":1`) hold their values in their hashed text and cannot be erased: 400 naming them. Another org's entry id → 404. A subject found in more than 10,000 entries → 400.",
    tag: "Audit",
    auth: "admin",
    permission: "audit.erase",
    body: auditErasureBodySchema,
    success: { status: 200, description: "What was erased, and the entry that records it.", json: auditErasureSchema },
  },
  {
    operationId: "getPolicySet",
    method: "GET",
    path: "/v1/admin/policies",
    summary: "The active policy set",
    tag: "Policies",
    auth: "admin",
    success: { status: 200, description: "The active documents with their versions.", json: storedPolicyListSchema },
  },
  {
    operationId: "applyPolicySet",
    method: "PUT",
    path: "/v1/admin/policies",
    summary: "Apply a whole policy set (declarative)",
    description:
      "Policies not in the set are archived. `dryRun=true` answers the diff without applying it. Under the org setting `policies.requireSecondApproval` a member's apply is a 409 (`details.reason` SECOND_APPROVAL_REQUIRED): publish a draft instead, for another owner or admin to approve.",
    tag: "Policies",
    auth: "admin",
    permission: "policies.write",
    orgTurn: "policy editing",
    query: dryRunQuerySchema,
    body: policySetBodySchema,
    success: { status: 200, description: "How the active set changed.", json: policySetDiffSchema },
  },
  {
    operationId: "getPolicyMonitor",
    method: "GET",
    path: "/v1/admin/policies/monitor",
    summary: "What monitor mode and report-only would have blocked",
    description:
      "Per UTC day over the last `days` (1–90, default 7; days without decisions are 0) and per policy: how many decisions monitor-mode policies and the org's report-only trial (`policies.reportOnly`) would have denied or held for approval, and how many each policy decided. Read from the rollups the worker keeps (about a second behind).",
    tag: "Policies",
    auth: "admin",
    query: policyMonitorQuerySchema,
    success: { status: 200, description: "Would-be blocks per day and per policy.", json: policyMonitorSchema },
  },
  {
    operationId: "getPolicyLibrary",
    method: "GET",
    path: "/v1/admin/policies/library",
    summary: "The policy template library and its compliance packs",
    description:
      "Templates to start a policy set from: each with its policies (named `<template id>.…`, so templates combine), its test cases and its rationale; and packs mapping the templates to the controls of OWASP-style agentic risks, SOC 2 CC8.1 and EU AI Act Article 14. The same for every org; any member may read it, as they may read the policies.",
    tag: "Policies",
    auth: "admin",
    success: { status: 200, description: "Every template and pack.", json: policyLibrarySchema },
  },
  {
    operationId: "getPolicyDraft",
    method: "GET",
    path: "/v1/admin/policies/draft",
    summary: "The org's policy draft",
    description:
      "The set as its writers edit it (YAML or JSON text), not live. With no draft stored: the active set and its tests as YAML, at revision 0. A draft is work in progress of the policy writers: reading it needs `policies.write`.",
    tag: "Policies",
    auth: "admin",
    permission: "policies.write",
    orgTurn: "policy editing",
    success: { status: 200, description: "The draft.", json: policyDraftSchema },
  },
  {
    operationId: "savePolicyDraft",
    method: "PUT",
    path: "/v1/admin/policies/draft",
    summary: "Save the policy draft",
    description:
      "Stored as written (a draft may be invalid; publishing parses it), at most 1 MB. `revision` is the revision the edit started from (0: none stored); a save by anyone since is a 409 naming `revision`.",
    tag: "Policies",
    auth: "admin",
    permission: "policies.write",
    orgTurn: "policy editing",
    body: savePolicyDraftBodySchema,
    bodyLimit: 2 * 1024 * 1024,
    success: { status: 200, description: "The draft as saved, at its new revision.", json: policyDraftSchema },
  },
  {
    operationId: "discardPolicyDraft",
    method: "DELETE",
    path: "/v1/admin/policies/draft",
    summary: "Discard the policy draft",
    tag: "Policies",
    auth: "admin",
    permission: "policies.write",
    orgTurn: "policy editing",
    success: { status: 200, description: "What the editor shows next: the active set at revision 0.", json: policyDraftSchema },
  },
  {
    operationId: "publishPolicyDraft",
    method: "POST",
    path: "/v1/admin/policies/draft/publish",
    summary: "Publish the policy draft",
    description:
      "Parses the draft at `revision` (a save since → 409 naming `revision`; a parse error → 400 with issues `{ path, message, line }`, `line` counting from 1 in `source`) and runs its tests (a failing one → 400 naming `tests[i]`). Then applies it as `PUT /v1/admin/policies` does and deletes the draft (200), or, when the org setting `policies.requireSecondApproval` is on, records the set and opens an approval (action `gatehouse.policies.publish` of the org's `gatehouse-policies` agent) that another owner or admin must approve before it goes live (202; the publishing member cannot approve it).",
    tag: "Policies",
    auth: "admin",
    permission: "policies.write",
    orgTurn: "policy editing",
    body: publishPolicyDraftBodySchema,
    success: { status: 200, description: "Published: how the active set changed.", json: publishedPolicyDraftSchema },
    accepted: { status: 202, description: "Waiting for a second admin's approval.", json: pendingPolicyDraftSchema },
  },
  {
    operationId: "listPolicyVersions",
    method: "GET",
    path: "/v1/admin/policies/:name/versions",
    summary: "A policy's versions",
    description: "Every version, newest first (at most 500), with who published it (from its audit entry). Another org's or an unknown name → 404.",
    tag: "Policies",
    auth: "admin",
    params: policyNameParams,
    success: { status: 200, description: "The policy's versions.", json: policyVersionListSchema },
  },
  {
    operationId: "testPolicies",
    method: "POST",
    path: "/v1/admin/policies/test",
    summary: "Run a policy set's tests",
    description:
      "Runs each test of the set (a sample request and the decision it must get) against the set's policies with the decision engine, as production decides; rate conditions see only the call itself. Writes nothing. A set that does not parse is a 400 naming the field.",
    tag: "Policies",
    auth: "admin",
    permission: "policies.write",
    orgTurn: "policy editing",
    body: policySetBodySchema,
    success: { status: 200, description: "Each test's expected and actual decision.", json: policyTestRunSchema },
  },
  {
    operationId: "simulatePolicies",
    method: "POST",
    path: "/v1/admin/policies/simulate",
    summary: "Replay a draft policy set against recent decisions",
    description:
      "Evaluates the draft against the org's recorded decisions of the last `days` days (at most 200,000, most recent first) and answers what would change: transitions, by action type and agent, with samples. Decisions made before policy are skipped; rate conditions see only the call itself; agents are as they are today. Writes nothing. Replays of one org take turns with its other long work: at most two at once per org and API process, the rest queue (at most 100, each for at most 30 s) and past it answer 429 with `Retry-After`.",
    tag: "Policies",
    auth: "admin",
    permission: "policies.write",
    body: simulatePoliciesBodySchema,
    success: { status: 200, description: "What the draft would have decided differently.", json: policySimulationSchema },
  },
  {
    operationId: "listAgents",
    method: "GET",
    path: "/v1/admin/agents",
    summary: "The org's agents",
    tag: "Agents",
    auth: "admin",
    permission: "agents.read",
    success: { status: 200, description: "The agents by name.", json: agentListSchema },
  },
  {
    operationId: "createAgent",
    method: "POST",
    path: "/v1/admin/agents",
    summary: "Create an agent and its first key",
    tag: "Agents",
    auth: "admin",
    permission: "agents.manage",
    headers: issueIdempotencyHeaders("the agent the first call created (and its first key)"),
    body: createAgentBodySchema,
    success: { status: 201, description: "The agent, with its key (shown once).", json: createdAgentSchema },
  },
  {
    operationId: "haltAgent",
    method: "POST",
    path: "/v1/admin/agents/:id/halt",
    summary: "Halt an agent",
    description:
      "Every decision of the agent and of every delegate below it is denied with AGENT_HALTED from the next call, on every instance; the delegates' other calls answer 403 AGENT_HALTED until it is resumed; its and their pending approvals are cancelled.",
    tag: "Agents",
    auth: "admin",
    permission: "agents.manage",
    params: agentIdParams,
    body: agentStatusBodySchema,
    bodyOptional: true,
    success: { status: 200, description: "The agent.", json: agentSchema },
  },
  {
    operationId: "resumeAgent",
    method: "POST",
    path: "/v1/admin/agents/:id/resume",
    summary: "Resume a halted agent",
    tag: "Agents",
    auth: "admin",
    permission: "agents.manage",
    params: agentIdParams,
    body: agentStatusBodySchema,
    bodyOptional: true,
    success: { status: 200, description: "The agent.", json: agentSchema },
  },
  {
    operationId: "listAgentKeys",
    method: "GET",
    path: "/v1/admin/agents/:id/keys",
    summary: "An agent's keys (without secrets)",
    tag: "Agents",
    auth: "admin",
    permission: "keys.manage",
    params: agentIdParams,
    success: { status: 200, description: "The keys.", json: apiKeyListSchema },
  },
  {
    operationId: "issueAgentKey",
    method: "POST",
    path: "/v1/admin/agents/:id/keys",
    summary: "Issue another key for an agent",
    description: "For rotation; shown once. A delegate gets none (403: its one key is its delegation's). A retry's fresh secret is refused for a halted agent (403 AGENT_HALTED).",
    tag: "Agents",
    auth: "admin",
    permission: "keys.manage",
    params: agentIdParams,
    headers: issueIdempotencyHeaders("the key the first call issued, never a second key"),
    body: issueAgentKeyBodySchema,
    bodyOptional: true,
    success: { status: 201, description: "The key (shown once).", json: issuedAgentKeySchema },
  },
  {
    operationId: "listAdminKeys",
    method: "GET",
    path: "/v1/admin/keys",
    summary: "Personal admin keys (without secrets)",
    description:
      "The caller's own admin keys, and those of the members whose role theirs ranks at least as high as: an owner sees every member's, an admin their own and other admins'; an approver or an auditor (`keys.own` without `keys.manage`) their own only. Revoked and expired keys are listed too. Agents' keys are listed per agent.",
    tag: "Agents",
    auth: "admin",
    permission: "keys.own",
    success: { status: 200, description: "The keys, newest first.", json: adminKeyListSchema },
  },
  {
    operationId: "issueAdminKey",
    method: "POST",
    path: "/v1/admin/keys",
    summary: "Issue a personal admin key for the calling member",
    description:
      "The key belongs to the member whose key makes the call and acts with that member's role at the time of each request: it reaches what that role may and never more (approvers and auditors may hold one: `keys.own`). A role change or a removal revokes it. Without `expiresInDays` it does not expire. The key is answered once; only its hash is stored.",
    tag: "Agents",
    auth: "admin",
    permission: "keys.own",
    headers: issueIdempotencyHeaders("the key the first call issued, never a second key"),
    body: issueAdminKeyBodySchema,
    bodyOptional: true,
    success: { status: 201, description: "The key (shown once).", json: issuedAdminKeySchema },
  },
  {
    operationId: "revokeKey",
    method: "DELETE",
    path: "/v1/admin/keys/:id",
    summary: "Revoke an API key",
    description:
      "The key stops working on every instance at its next request. An agent's key takes with it the delegations made with it and, for a delegate's key, the delegate's own delegation, each with its whole subtree (their keys answer 401 DELEGATION_REVOKED). A member's admin key only from a role ranking at least as high; without `keys.manage` (an approver, an auditor), one's own admin keys only (403).",
    tag: "Agents",
    auth: "admin",
    permission: "keys.own",
    params: apiKeyIdParams,
    success: { status: 200, description: "The revoked key.", json: revokedKeySchema },
  },
  {
    operationId: "getSettings",
    method: "GET",
    path: "/v1/admin/settings",
    summary: "The org's settings",
    tag: "Organization",
    auth: "admin",
    success: { status: 200, description: "The settings.", json: orgSettingsSchema },
  },
  {
    operationId: "updateSettings",
    method: "PATCH",
    path: "/v1/admin/settings",
    summary: "Change the org's settings",
    tag: "Organization",
    auth: "admin",
    description:
      "Merged onto the current settings and applied at once (200), unless the two-admin rule (`policies.requireSecondApproval`) is in force and the change weakens enforcement (the rule or an anomaly halt off, report-only on, the circuit breaker looser, delegation limits wider, an SSO domain added, the SSO default role raised, SSO no longer required): then nothing is applied and an approval is opened that another owner or admin must approve (202; the asking member cannot approve it, by any credential).",
    permission: "settings.write",
    body: updateSettingsBodySchema,
    success: { status: 200, description: "The settings after the change.", json: orgSettingsSchema },
    accepted: { status: 202, description: "Waiting for a second admin's approval.", json: pendingSettingsChangeSchema },
  },
  {
    operationId: "listSsoDomains",
    method: "GET",
    path: "/v1/admin/settings/sso-domains",
    summary: "The org's SSO domains and their proof",
    description:
      "Each domain of `signIn.ssoDomains` with its status and the DNS TXT record (`_gatehouse-challenge.<domain>`) that proves it. Only a verified domain routes people who sign in with SSO to this org.",
    tag: "Organization",
    auth: "admin",
    success: { status: 200, description: "The claimed domains.", json: ssoDomainClaimListSchema },
  },
  {
    operationId: "verifySsoDomain",
    method: "POST",
    path: "/v1/admin/settings/sso-domains/verify",
    summary: "Prove an SSO domain",
    description:
      "Looks up the domain's DNS TXT record `_gatehouse-challenge.<domain>` and, if it carries this org's value, routes the domain to the org. A domain not in `signIn.ssoDomains` is a 404; a missing or wrong record, or a domain another org proved first, is a 409 naming `domain`. Verifying a proved domain again answers it.",
    tag: "Organization",
    auth: "admin",
    permission: "settings.write",
    body: verifySsoDomainBodySchema,
    success: { status: 200, description: "The domain, verified.", json: ssoDomainClaimSchema },
  },
  {
    operationId: "getOrg",
    method: "GET",
    path: "/v1/admin/org",
    summary: "The org: name, slug, member count",
    description: "Every member may read it.",
    tag: "Organization",
    auth: "admin",
    success: { status: 200, description: "The org.", json: orgSchema },
  },
  {
    operationId: "updateOrg",
    method: "PATCH",
    path: "/v1/admin/org",
    summary: "Rename the org or change its slug",
    description: "A slug another org has is a 409. The console's URLs carry the slug: links with the old one stop working. API keys are unaffected.",
    tag: "Organization",
    auth: "admin",
    permission: "org.write",
    body: updateOrgBodySchema,
    success: { status: 200, description: "The org after the change.", json: orgSchema },
  },
  {
    operationId: "closeOrg",
    method: "POST",
    path: "/v1/admin/org/close",
    summary: "Close the org (owners only; cannot be undone)",
    description:
      "The body must carry `confirm`: the org's slug (else 400 naming `confirm`). Every agent key and admin key of the org stops working at its next request on every instance (401 UNAUTHENTICATED, its message saying the organization is closed), members other than owners lose access, pending approvals are cancelled, and every further change is refused (409 ORG_CLOSED). The audit log, its signing keys and checkpoints are kept: owners read, export and verify it in the console. There is no reopening.",
    tag: "Organization",
    auth: "admin",
    permission: "org.close",
    body: closeOrgBodySchema,
    success: { status: 200, description: "The closed org.", json: closedOrgSchema },
  },
  {
    operationId: "listMembers",
    method: "GET",
    path: "/v1/admin/members",
    summary: "The org's members",
    description: "With each member's role, how they sign in and when they were last active.",
    tag: "Members",
    auth: "admin",
    permission: "members.read",
    success: { status: 200, description: "The members, owners first.", json: memberListSchema },
  },
  {
    operationId: "updateMember",
    method: "PATCH",
    path: "/v1/admin/members/:id",
    summary: "Change a member's role",
    description:
      "Only for a member ranking at most the caller's role, and to a role at most the caller's (else 403); the last owner cannot be demoted (409). The member's admin keys act with the new role from their next request, on every instance.",
    tag: "Members",
    auth: "admin",
    permission: "members.manage",
    params: memberIdParams,
    body: updateMemberBodySchema,
    success: { status: 200, description: "The member after the change.", json: memberSchema },
  },
  {
    operationId: "removeMember",
    method: "DELETE",
    path: "/v1/admin/members/:id",
    summary: "Remove a member",
    description:
      "Their admin keys are revoked and their console session loses the org, from their next request on every instance. Only for a member ranking at most the caller's role (else 403); the last owner cannot be removed (409). Removing oneself is leaving the org.",
    tag: "Members",
    auth: "admin",
    permission: "members.manage",
    params: memberIdParams,
    success: { status: 200, description: "The removed member and the keys revoked.", json: removedMemberSchema },
  },
  {
    operationId: "listInvitations",
    method: "GET",
    path: "/v1/admin/invitations",
    summary: "Pending invitations",
    tag: "Members",
    auth: "admin",
    permission: "members.read",
    success: { status: 200, description: "The pending invitations, newest first.", json: invitationListSchema },
  },
  {
    operationId: "createInvitation",
    method: "POST",
    path: "/v1/admin/invitations",
    summary: "Invite someone by email",
    description:
      "The role is at most the caller's. The token is answered once (only its hash is stored), inside `acceptUrl`; the invitation works once and expires (7 days by default). An email that is a member or has a pending invitation is a 409. With an `Idempotency-Key`, a retry issues a fresh token for the same invitation.",
    tag: "Members",
    auth: "admin",
    permission: "members.manage",
    headers: z.object({
      "idempotency-key": idempotencyKey.optional().describe("Makes the call safe to retry: the invitation this key created gets a fresh token instead of a second invitation."),
    }),
    body: createInvitationBodySchema,
    success: { status: 201, description: "The invitation, its token and the URL to accept it.", json: createdInvitationSchema },
  },
  {
    operationId: "revokeInvitation",
    method: "DELETE",
    path: "/v1/admin/invitations/:id",
    summary: "Revoke an invitation",
    description: "Its link stops working. Revoking twice answers the revoked invitation; an accepted one is a 409.",
    tag: "Members",
    auth: "admin",
    permission: "members.manage",
    params: invitationIdParams,
    success: { status: 200, description: "The revoked invitation.", json: invitationSchema },
  },
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

export type Routes = typeof routes;
export type OperationId = Routes[number]["operationId"];

/** The contract of one operation, by its id. */
export function routeOf<Id extends OperationId>(operationId: Id): Extract<Routes[number], { operationId: Id }> {
  const found = routes.find((r) => r.operationId === operationId);
  if (!found) throw new Error(`no route ${operationId}`);
  return found as Extract<Routes[number], { operationId: Id }>;
}

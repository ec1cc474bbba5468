import { rewrittenSchema } from "../policy/rewrite";
import { z } from "zod";
import { conditionEvaluationSchema, dataAccessedSchema, evaluationFailureSchema, reportOnlySchema } from "../actions/action-result";
import { denialReasonSchema } from "../actions/denial-reasons";
import { contentFindingSchema } from "../content/content-finding";
import { ANOMALY_KINDS } from "../anomaly/detect-anomalies";
import { LOOP_KINDS } from "../limits/loops";
import { OUTCOME_STATUSES } from "../actions/outcome-status";
import { MEMBER_ROLES } from "../permissions";
import { RUN_END_STATUSES, runRefSchema } from "../runs/runs";
import { grantRefSchema } from "../approvals/standing-grants";
import { budgetRefSchema, budgetStateSchema, reservationRecordSchema, settlementRecordSchema, usageSchema } from "../spend/budgets";

/**
 * Every type of audit entry, each with the schema of its `data`: the one description of what the log
 * holds. Append sites are checked against it by the compiler (`AuditEntryInput`), the event projection
 * switches over it, and the test suite parses every entry it wrote with it (docs/audit.md, Entry types).
 * The schemas describe what is stored; they change no byte of it (the canonical text is hashed as
 * written). Adding an entry type is one member here, which the compiler then walks through.
 */

/**
 * The length, in hex characters, of a detector's pattern or keyword fingerprint in `content.detector_changed`
 * (64 bits of an HMAC-SHA-256 under a key of the org's own: enough to tell a change, useless offline without it).
 */
export const DETECTOR_FINGERPRINT_HEX = 16;
const detectorFingerprint = z.string().regex(new RegExp(`^[0-9a-f]{${DETECTOR_FINGERPRINT_HEX}}$`));
const role = z.enum(MEMBER_ROLES);
const json = z.record(z.string(), z.unknown());
const member = z.strictObject({ id: z.string(), email: z.string() });
const policyRef = z.strictObject({ name: z.string(), versionId: z.string(), version: z.number().int() });
const effect = z.enum(["allow", "deny", "require_approval"]);
/** What a caller's Idempotency-Key is recorded as (a hash bound to the actor), never the key itself. */
const idempotencyRef = z.string();

const ending = <S extends z.ZodType>(status: S) =>
  z.strictObject({
    approvalId: z.string(),
    actionId: z.string(),
    actionType: z.string(),
    status,
    denialReason: denialReasonSchema.optional(),
    reason: z.string().optional(),
    decidedBy: member.optional(),
  });

const breaker = z.strictObject({ from: z.enum(["closed", "open", "half_open"]), to: z.enum(["closed", "open", "half_open"]), reason: z.string() });
const fromTo = z.strictObject({ from: z.string(), to: z.string() });
const userOnly = z.strictObject({ userId: z.string() });
const membership = z.strictObject({ userId: z.string(), email: z.string(), role, reason: z.string().optional() });
const delegationEnd = { delegationId: z.string(), name: z.string(), parentAgentId: z.string(), childAgentId: z.string() };
const signingKey = z.strictObject({
  keyId: z.string(),
  vkey: z.string(),
  previousKeyId: z.string().optional(),
  previousVkey: z.string().optional(),
  idempotencyKey: z.string().optional(),
});

/** Each entry type: what it records (one line, for docs/audit.md) and its `data`. */
export const AUDIT_ENTRY_TYPES = {
  "action.decided": {
    summary: "A decision on an agent's action (execute): its status, the policy that decided and everything the decision was made on.",
    data: z.strictObject({
      actionId: z.string(),
      agentName: z.string(),
      delegation: z.strictObject({ rootAgentId: z.string(), rootAgentName: z.string(), depth: z.number().int(), chain: z.array(z.string()) }).optional(),
      actionType: z.string(),
      status: z.enum(["executed", "requested", "denied"]),
      denialReason: denialReasonSchema.optional(),
      policy: policyRef.optional(),
      tamperedPolicies: z.array(z.string()).optional(),
      mode: z.enum(["enforce", "monitor"]),
      reportOnly: reportOnlySchema.optional(),
      monitored: z.array(policyRef.extend({ effect })),
      conditionsEvaluated: z.array(conditionEvaluationSchema),
      metadata: json,
      dataAccessed: z.array(dataAccessedSchema),
      findings: z.array(contentFindingSchema).optional(),
      requestHash: z.string(),
      tool: z.strictObject({ name: z.string(), argsDigest: z.string() }).optional(),
      rewritten: rewrittenSchema.optional().describe("What the policies' `redact` and `transform` changed: `metadata` and `tool` are of the call as rewritten."),
      eventId: z.string().optional(),
      approvalId: z.string().optional(),
      timeoutAt: z.string().optional(),
      run: runRefSchema.optional(),
      reservation: reservationRecordSchema.optional().describe("What the call reserved against its budgets (docs/budgets.md)."),
      grant: grantRefSchema.optional().describe("The standing grant that let the call through without a person."),
      budget: budgetStateSchema.optional().describe("The budget that refused the call or held it for approval."),
      failure: evaluationFailureSchema
        .optional()
        .describe("The decision could not be evaluated (the step that failed) and the org's failure policy decided it; nothing of the call's content is recorded."),
    }),
  },
  "action.outcome": {
    summary: "The outcome an agent reported for a decided action (the first report wins).",
    data: z.strictObject({
      actionId: z.string(),
      auditEventId: z.string(),
      actionType: z.string(),
      status: z.enum(OUTCOME_STATUSES),
      message: z.string().optional(),
      findings: z.array(contentFindingSchema).optional(),
      data: json.optional().describe("What the agent reported about the result (`outcome.<path>` in post-conditions), screened like metadata."),
      usage: usageSchema.optional().describe("The model usage the agent reported."),
      spend: settlementRecordSchema.optional().describe("What it cost, and the reservation it settled (docs/budgets.md)."),
    }),
  },
  "action.postcondition_violated": {
    summary: "A reported outcome broke a policy's post-condition (docs/policies.md, Post-conditions); the agent is halted too when the org's postConditions.haltAgent says so.",
    data: z.strictObject({
      actionId: z.string(),
      auditEventId: z.string().describe("The decision whose outcome broke it."),
      actionType: z.string(),
      agentName: z.string(),
      policy: z.string().describe("The policy whose post-condition was broken."),
      conditionsEvaluated: z.array(conditionEvaluationSchema.omit({ policy: true })),
      limit: z.boolean().optional().describe("The condition could not be checked within the match budget, so it counts as broken."),
      halted: z.boolean(),
    }),
  },
  "budget.released": {
    summary:
      "A reservation no outcome settled was ended (docs/budgets.md): charged at what it reserved when its action ran and no outcome came by the deadline, given back when its action was denied.",
    data: z.strictObject({
      actionId: z.string(),
      actionType: z.string(),
      agentName: z.string(),
      tokens: z.number().int(),
      micros: z.number().int(),
      charged: z.boolean().describe("True: moved to spent (the action ran, no outcome came); false: given back (the action was denied)."),
      budgets: z.array(budgetRefSchema),
      deadline: z.string(),
    }),
  },
  "guardrail.triggered": {
    summary:
      "The content screen found secrets or personal data in a decided call or a reported outcome (docs/content.md): each finding's detector, class, path and what was done, never the value.",
    data: z.strictObject({
      actionId: z.string(),
      auditEventId: z.string().describe("The decision's entry (for an outcome's findings, the decision it reports on)."),
      actionType: z.string(),
      agentName: z.string(),
      source: z.enum(["decision", "outcome"]).describe("Where the findings were: the call's metadata and data accessed, or its reported outcome."),
      findings: z.array(contentFindingSchema),
    }),
  },
  "budget.threshold": {
    summary: "A call took a budget past one of its alert ratios (docs/budgets.md, Alerts): once per budget, window and ratio.",
    data: z.strictObject({
      actionId: z.string(),
      auditEventId: z.string().describe("The decision whose reservation crossed it."),
      actionType: z.string(),
      agentName: z.string(),
      threshold: z.number().describe("The alert ratio crossed (0 to 1): the highest one the call reached."),
      used: z.number().describe("How much of the limit is used with this call (0 to 1, the larger of tokens and money)."),
      budget: budgetStateSchema.describe("The budget, its counts before this call."),
    }),
  },
  "budget.exceeded": {
    summary: "A budget refused a call, or held it for a person, for the first time in its window (docs/budgets.md, Alerts): later calls it refuses are decisions only.",
    data: z.strictObject({
      actionId: z.string(),
      auditEventId: z.string().describe("The decision it refused or held."),
      actionType: z.string(),
      agentName: z.string(),
      status: z.enum(["denied", "requested"]).describe("`denied` (atLimit deny) or `requested` (atLimit require_approval)."),
      budget: budgetStateSchema.describe("The budget, its counts before this call."),
    }),
  },
  "approval.vote": {
    summary: "A member's vote on a pending approval, with the count it reached.",
    data: z.strictObject({
      approvalId: z.string(),
      actionId: z.string(),
      actionType: z.string(),
      decision: z.enum(["approve", "deny"]),
      reason: z.string().optional(),
      member,
      approvals: z.number().int(),
      quorum: z.number().int(),
      status: z.enum(["pending", "approved", "denied", "expired", "cancelled"]),
      /** Where the vote was cast: absent on older entries (the console or the API, by the actor's type). */
      via: z.enum(["console", "api", "email", "slack"]).optional(),
      /** The member away whose queue the voter holds (docs/approvals.md, Hand-over). */
      onBehalfOf: member.optional(),
    }),
  },
  "approval.vote_refused": {
    summary: "A vote refused by separation of duties (the voter requested the action, or owns the agent).",
    data: z.strictObject({ approvalId: z.string(), actionId: z.string(), actionType: z.string(), reason: z.enum(["requester", "agent_owner"]) }),
  },
  "approval.decided": { summary: "An approval approved or denied by the vote that reached its end.", data: ending(z.enum(["approved", "denied"])) },
  "approval.expired": { summary: "An approval nobody decided before its timeout.", data: ending(z.literal("expired")) },
  "approval.cancelled": {
    summary: "An approval ended undecided: its agent halted, its delegation revoked or the org closed.",
    data: ending(z.literal("cancelled")),
  },
  "agent.created": {
    summary: "An agent created with its first key (or Gatehouse's own policy agent, `system: true`).",
    data: z.union([
      z.strictObject({ name: z.string(), labels: z.record(z.string(), z.string()), keyId: z.string(), keyPrefix: z.string(), idempotencyRef: idempotencyRef.optional() }),
      z.strictObject({ name: z.string(), labels: z.record(z.string(), z.string()), system: z.literal(true) }),
    ]),
  },
  "agent.halted": {
    summary: "An agent halted by a member, or by the anomaly detector (actor `system`).",
    data: z.strictObject({ name: z.string(), reason: z.string().optional() }),
  },
  "agent.resumed": { summary: "A halted agent resumed.", data: z.strictObject({ name: z.string(), reason: z.string().optional() }) },
  "agent.circuit_opened": { summary: "An agent's circuit breaker opened after repeated failures.", data: breaker },
  "agent.circuit_closed": { summary: "An agent's circuit breaker closed again.", data: breaker },
  "agent.anomaly_detected": {
    summary: "An agent's call or denial rate far above its baseline.",
    data: z.strictObject({
      agentName: z.string(),
      kind: z.enum(ANOMALY_KINDS),
      recent: z.number(),
      baseline: z.number(),
      multiple: z.number().nullable(),
      threshold: z.number(),
      windowMinutes: z.number(),
    }),
  },
  "agent.unresponsive": {
    summary: "An agent whose heartbeat session is open missed its beats (docs/agents.md, Presence): it stopped answering, perhaps mid-run.",
    data: z.strictObject({
      agentName: z.string(),
      lastSeenAt: z.string().describe("Its last call or heartbeat."),
      heartbeatSeconds: z.number().int().describe("The interval its session declared."),
      runs: z.array(z.string()).describe("Its runs still running when it stopped answering (run_… ids)."),
    }),
  },
  "agent.evidence": {
    summary: "An agent's own entry about its work (POST /v1/audit/entries): what it ran and with what result, as it says.",
    data: z.strictObject({
      agentName: z.string(),
      kind: z.string(),
      details: json,
      actionAuditEventId: z.string().optional(),
      eventId: z.string().optional(),
      findings: z.array(contentFindingSchema).optional(),
    }),
  },
  "agent.loop_detected": {
    summary: "An agent repeated the same call, or alternated between two, past its loop limit (the call that went over; it was refused).",
    data: z.strictObject({
      agentName: z.string(),
      kind: z.enum(LOOP_KINDS),
      actionType: z.string(),
      count: z.number().int(),
      maxRepeats: z.number().int(),
      windowSeconds: z.number().int(),
      source: z.string().describe("Where the limit comes from: `org`, or the policy that set it."),
      halted: z.boolean().describe("Whether the org's `loops.haltAgent` halts the agent too."),
    }),
  },
  "run.ended": {
    summary: "An agent ended one of its runs (POST /v1/runs/:id/end): completed, failed or cancelled.",
    data: z.strictObject({
      runId: z.string(),
      runKey: z.string().describe("The runId the agent chose."),
      agentName: z.string(),
      status: z.enum(RUN_END_STATUSES),
    }),
  },
  "delegation.created": {
    summary: "An agent delegated capabilities to a new child agent (with its key).",
    data: z.strictObject({
      delegationId: z.string(),
      name: z.string(),
      parentAgentId: z.string(),
      parentAgentName: z.string(),
      childAgentId: z.string(),
      childAgentName: z.string(),
      rootAgentId: z.string(),
      capabilities: z.array(z.string()),
      depth: z.number().int(),
      expiresAt: z.string(),
      keyId: z.string(),
      keyPrefix: z.string(),
      metadata: json.optional(),
      idempotencyRef: idempotencyRef.optional(),
    }),
  },
  "delegation.revoked": {
    summary: "A delegation revoked: the top of the subtree names the keys it revoked, the ones below name the top (`revokedWith`).",
    data: z.strictObject({
      ...delegationEnd,
      depth: z.number().int(),
      keysRevoked: z.array(z.string()).optional(),
      keyRevoked: z.string().optional(),
      revokedWith: z.string().optional(),
    }),
  },
  "delegation.expired": { summary: "A delegation past its expiry.", data: z.strictObject({ ...delegationEnd, expiresAt: z.string() }) },
  "policy.version_published": {
    summary: "A policy version went live, with its document and content hash.",
    data: z.strictObject({ policyId: z.string(), name: z.string(), version: z.number().int(), contentHash: z.string(), document: json }),
  },
  "policy.archived": { summary: "A policy archived (its last version named).", data: z.strictObject({ policyId: z.string(), name: z.string(), version: z.number().int() }) },
  "key.issued": {
    summary: "An API key issued: an agent's, or an admin key of a member.",
    data: z.union([
      z.strictObject({
        kind: z.literal("agent"),
        prefix: z.string(),
        name: z.string().nullable().optional(),
        expiresAt: z.string().optional(),
        idempotencyRef: idempotencyRef.optional(),
        reason: z.string().optional(),
      }),
      z.strictObject({
        kind: z.literal("admin"),
        membershipId: z.string(),
        prefix: z.string(),
        name: z.string().nullable(),
        expiresAt: z.string().optional(),
        idempotencyRef: idempotencyRef.optional(),
      }),
    ]),
  },
  "key.revoked": {
    summary: "An API key revoked (by a member, or with a member's removal or role change).",
    data: z.strictObject({ kind: z.enum(["agent", "admin"]), prefix: z.string(), reason: z.string().optional() }),
  },
  "key.reissued": {
    summary: "A key's secret issued again for a retry with the same Idempotency-Key (the first secret stops working).",
    data: z.strictObject({ kind: z.enum(["agent", "admin"]), prefix: z.string(), previousPrefix: z.string(), reason: z.string() }),
  },
  "audit.signing_key_created": { summary: "The org's first checkpoint signing key.", data: signingKey },
  "audit.signing_key_rotated": { summary: "A new checkpoint signing key, retiring the previous one.", data: signingKey },
  "org.created": { summary: "The organization created.", data: z.strictObject({ slug: z.string(), name: z.string() }) },
  "audit.report_generated": {
    summary:
      "A report drawn from the log was produced (docs/reports.md): which report, the period it covers, the signed checkpoint it was computed against and who asked for it (the actor).",
    data: z.strictObject({
      report: z.enum(["article12"]),
      from: z.string(),
      to: z.string(),
      format: z.enum(["json", "html"]),
      treeSize: z.number().int().describe("The signed checkpoint the report covers."),
      rootHash: z.string(),
      reportSha256: z.string().describe("Hex SHA-256 of the report's RFC 8785 JSON: ties a kept copy to this entry."),
    }),
  },
  "audit.erased": {
    summary:
      "An owner erased the values of committed fields (docs/adr/0023-erasure.md): which entries and fields, why, and for a subject its keyed hash (never the subject itself); the approval, when a second admin approved it.",
    data: z.strictObject({
      entries: z.array(z.strictObject({ seq: z.number().int(), fields: z.array(z.string()) })),
      reason: z.string(),
      subjectTag: z.string().optional(),
      approvalId: z.string().optional(),
    }),
  },
  "audit.pruned": {
    summary:
      "The org's oldest entries were dropped under its retention (`retention.entries`; docs/audit.md, Dropping old months): the log now starts at seq `startSize`; the tree's root over the entries dropped, the chain hash after the last of them, and the end of the month dropped. Everything from `startSize` on still verifies against the signed checkpoints.",
    data: z.strictObject({
      startSize: z.number().int().describe("The first seq kept: the entries below it are gone."),
      previousStartSize: z.number().int().describe("Where the log started before (0: its first drop)."),
      rootHash: z.string().describe("Hex root of the tree of the entries below startSize (the tree's frontier there)."),
      chainHash: z.string().describe("The chain hash after entry startSize - 1."),
      droppedBefore: z.string().describe("The end of the month dropped (ISO 8601): entries before it went."),
      days: z.number().int().describe("The org's `retention.entries` when they were dropped."),
    }),
  },
  "org.renamed": { summary: "The organization's name changed.", data: fromTo },
  "org.slug_changed": { summary: "The organization's slug changed.", data: fromTo },
  "org.settings_changed": {
    summary: "The org's settings changed (before and after; the approval, when a second admin approved it).",
    data: z.strictObject({ before: json, after: json, approvalId: z.string().optional() }),
  },
  "org.sso_domain_verified": { summary: "An email domain proved for single sign-on.", data: z.strictObject({ domain: z.string(), record: z.string() }) },
  "webhook.endpoint_changed": {
    summary: "A webhook endpoint created, changed, paused or resumed, its secret rotated, or deleted (by a member, or by the system: a 410 or retries used up).",
    data: z.strictObject({
      endpointId: z.string(),
      change: z.enum(["created", "updated", "deleted", "rotated", "disabled", "enabled"]),
      url: z.string(),
      events: z.array(z.string()).optional(),
      reason: z.string().optional(),
    }),
  },
  "mcp.server_changed": {
    summary: "An MCP server registered for the org's gateways, changed (its URL, description or credential: never the credential itself) or deleted.",
    data: z.strictObject({
      serverId: z.string(),
      name: z.string(),
      change: z.enum(["created", "updated", "deleted"]),
      url: z.string(),
      credential: z.enum(["set", "unchanged", "removed", "none"]).describe("What happened to its sealed credential: never the credential."),
    }),
  },
  "mcp.gateway_changed": {
    summary: "An MCP gateway created, changed (its servers, description or what a changed tool becomes) or deleted.",
    data: z.strictObject({
      gatewayId: z.string(),
      name: z.string(),
      change: z.enum(["created", "updated", "deleted"]),
      servers: z.array(z.string()).describe("The names of the servers it serves after the change."),
      onChange: z.enum(["hide", "require_approval"]),
    }),
  },
  "mcp.connected": {
    summary: "An agent opened a session with an MCP gateway (as itself, with its key).",
    data: z.strictObject({ sessionId: z.string(), gatewayId: z.string(), gateway: z.string(), protocolVersion: z.string() }),
  },
  "mcp.disconnected": {
    summary: "An MCP gateway session ended: its client closed it.",
    data: z.strictObject({ sessionId: z.string(), gatewayId: z.string(), gateway: z.string(), reason: z.enum(["client_closed"]) }),
  },
  "mcp.error": {
    summary: "An MCP server behind a gateway could not be reached or answered wrongly (in Gatehouse's words: the server's own text is never recorded).",
    data: z.strictObject({
      gatewayId: z.string(),
      gateway: z.string(),
      serverId: z.string(),
      server: z.string(),
      method: z.enum(["initialize", "tools/list", "tools/call"]),
      error: z.string(),
    }),
  },
  "mcp.catalog_pinned": {
    summary:
      "An MCP server's tools seen by a gateway for the first time and pinned: the catalogue's digest, and what the instruction heuristic (a heuristic, never proof) and the detectors found in the definitions.",
    data: z.strictObject({
      serverId: z.string(),
      server: z.string(),
      catalogDigest: z.string(),
      tools: z.array(z.strictObject({ name: z.string(), digest: z.string() })),
      findings: z.array(z.strictObject({ tool: z.string(), path: z.string(), class: z.string(), detector: z.string() })),
    }),
  },
  "mcp.catalog_changed": {
    summary:
      "An MCP server listed tools that differ from its pinned catalogue: each changed tool with the fields that changed, tools added and removed. Changed and added tools are held until an admin accepts them.",
    data: z.strictObject({
      serverId: z.string(),
      server: z.string(),
      pinnedDigest: z.string(),
      seenDigest: z.string(),
      changed: z.array(z.strictObject({ name: z.string(), fields: z.array(z.string()), digest: z.string() })),
      added: z.array(z.strictObject({ name: z.string(), digest: z.string() })),
      removed: z.array(z.string()),
      findings: z.array(z.strictObject({ tool: z.string(), path: z.string(), class: z.string(), detector: z.string() })),
    }),
  },
  "mcp.catalog_accepted": {
    summary: "An admin accepted an MCP tool's changed (or new) definition, which gateways offer from then on: the fields that changed and both digests.",
    data: z.strictObject({
      serverId: z.string(),
      server: z.string(),
      tool: z.string(),
      fields: z.array(z.string()),
      previousDigest: z.string().nullable().describe("The definition accepted before; null for a tool new since the first list."),
      digest: z.string(),
      catalogDigest: z.string().describe("The server's catalogue's digest with this tool accepted."),
    }),
  },
  "content.detector_changed": {
    summary:
      "An org's own content detector added, changed or deleted (docs/content-detectors.md): its name, class, checksum and whether it runs, and its pattern and keywords as keyed fingerprints (never in clear: a literal pattern may be the secret it guards).",
    data: z.strictObject({
      detectorId: z.string(),
      change: z.enum(["created", "updated", "deleted"]),
      name: z.string(),
      class: z.enum(["secrets", "personalData"]),
      patternFingerprint: detectorFingerprint
        .optional()
        .describe(
          `HMAC-SHA-256 of the pattern under a key of the org's own (derived from the master key), hex, its first ${DETECTOR_FINGERPRINT_HEX} characters: equal for the same pattern in one org, different across orgs, and not computable without the master key. Absent from entries written before it replaced \`pattern\`.`,
        ),
      keywordFingerprints: z.array(detectorFingerprint).optional().describe("The keywords' fingerprints, one per keyword in order, keyed like `patternFingerprint`."),
      pattern: z.string().optional().describe("Only in entries written before the fingerprints replaced it: the pattern in clear."),
      keywords: z.array(z.string()).optional().describe("Only in entries written before the fingerprints replaced them: the keywords in clear."),
      checksum: z.string().nullable(),
      enabled: z.boolean(),
    }),
  },
  "member.handover_set": {
    summary: "A member away handed their approvals to a colleague until a time (out of office).",
    data: z.strictObject({ from: member, to: member, until: z.string() }),
  },
  "member.handover_ended": { summary: "A hand-over ended early by the member who set it.", data: z.strictObject({ from: member, to: member }) },
  "grant.created": {
    summary: "A standing grant given by an approver instead of one approval: the action, the agent, the arguments it matches, until when and for how many calls.",
    data: z.strictObject({
      grantId: z.string(),
      approvalId: z.string(),
      agentId: z.string(),
      actionType: z.string(),
      match: json,
      anyArguments: z.boolean().optional().describe("Given explicitly for any arguments (an empty match), with its uses capped."),
      expiresAt: z.string(),
      maxUses: z.number().int(),
      member,
      reason: z.string().optional(),
    }),
  },
  "grant.revoked": {
    summary:
      "A standing grant ended before its time: revoked by a member, or ended because its giver left the org or lost the role it rested on. Later calls wait for a person again.",
    data: z.strictObject({
      grantId: z.string(),
      actionType: z.string(),
      member: member.optional(),
      reason: z.enum(["grantor_removed", "grantor_role_changed"]).optional().describe("Set when the grant ended with its giver's authority, not by a revocation."),
    }),
  },
  "integration.changed": {
    summary:
      "A Slack app connected to the org (or replaced; with `approvalId` when a second admin approved it), proven by a request from Slack signed with its secret (`verified`), or disconnected; its secrets are never recorded.",
    data: z.strictObject({
      integration: z.enum(["slack"]),
      change: z.enum(["connected", "verified", "disconnected"]),
      account: z.string().optional(),
      approvalId: z.string().optional(),
    }),
  },
  "org.closed": { summary: "The organization closed: the log takes no more entries.", data: z.strictObject({ slug: z.string() }) },
  "member.added": { summary: "The org's first owner added with the org.", data: z.strictObject({ userId: z.string(), email: z.string(), role }) },
  "member.invited": { summary: "An invitation sent.", data: z.strictObject({ email: z.string(), role, expiresAt: z.string() }) },
  "member.joined": {
    summary: "A person joined: by an invitation, or by single sign-on on a proved domain.",
    data: z.union([
      z.strictObject({ userId: z.string(), email: z.string(), role, invitationId: z.string(), newAccount: z.boolean() }),
      z.strictObject({ userId: z.string(), email: z.string(), role, via: z.literal("sso"), domain: z.string(), newAccount: z.boolean() }),
    ]),
  },
  "member.role_changed": {
    summary: "A member's role changed.",
    data: z.strictObject({ userId: z.string(), email: z.string(), from: role, to: role }),
  },
  "member.removed": { summary: "A member removed (by a member, or by the system: `reason`).", data: membership },
  "member.left": { summary: "A member left the organization.", data: membership },
  "member.password_reset": { summary: "The demo owner's password set again by the seed.", data: z.strictObject({ email: z.string() }) },
  "invitation.revoked": { summary: "A pending invitation revoked.", data: z.strictObject({ email: z.string(), role, reason: z.string().optional() }) },
  "invitation.reissued": { summary: "A pending invitation's link sent again (a retry with the same Idempotency-Key).", data: z.strictObject({ email: z.string(), role }) },
  "account.password_changed": { summary: "A member's account changed its password (one entry in each of their orgs).", data: userOnly },
  "account.password_reset": { summary: "A member's account reset its password by an emailed link.", data: userOnly },
  "account.sessions_ended": { summary: "A member's account signed out everywhere.", data: userOnly },
} as const satisfies Record<string, { summary: string; data: z.ZodType<Record<string, unknown>> }>;

export type AuditEntryType = keyof typeof AUDIT_ENTRY_TYPES;

export const AUDIT_ENTRY_TYPE_NAMES = Object.keys(AUDIT_ENTRY_TYPES) as [AuditEntryType, ...AuditEntryType[]];

/** The `data` of one entry type. */
export type AuditEntryData<T extends AuditEntryType> = z.output<(typeof AUDIT_ENTRY_TYPES)[T]["data"]>;

/** `{ type, data }` of every entry type: the discriminated union that append sites and readers narrow on. */
export type AuditEntryPayload = { [T in AuditEntryType]: { type: T; data: AuditEntryData<T> } }[AuditEntryType];

/** One entry of a given type. */
export type AuditEntryOf<T extends AuditEntryType, E extends AuditEntryPayload = AuditEntryPayload> = Extract<E, { type: T }>;

export function isAuditEntryType(type: string): type is AuditEntryType {
  return Object.hasOwn(AUDIT_ENTRY_TYPES, type);
}

/** Narrows a stored entry (or any `{ type, data }`) to one type. */
export function isEntryOf<T extends AuditEntryType, E extends { type: string }>(entry: E, type: T): entry is Extract<E, { type: T }> {
  return entry.type === type;
}

/**
 * `{ type, data }` as the union, when the union describes it; otherwise why not (an unknown type, or
 * data its type's schema does not accept). For checks over stored entries; append sites are checked
 * by the compiler.
 */
export function parseAuditEntryPayload(entry: { type: string; data: unknown }): { ok: true; entry: AuditEntryPayload } | { ok: false; problem: string } {
  if (!isAuditEntryType(entry.type)) return { ok: false, problem: `entry type '${entry.type}' is not in the union of audit entry types` };
  const parsed = AUDIT_ENTRY_TYPES[entry.type].data.safeParse(entry.data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, problem: `${entry.type}: data does not match its schema (${issue ? `${issue.path.join(".") || "data"}: ${issue.message}` : "invalid"})` };
  }
  return { ok: true, entry: { type: entry.type, data: parsed.data } as AuditEntryPayload };
}

/**
 * A stored entry read back as the union, trusting the log: every entry was written through
 * `AuditEntryInput` (the suite's stored-entry check proves the schemas describe them). Unknown types
 * keep their string, so readers skip them rather than fail.
 */
export function storedEntry<E extends { type: string; data: unknown }>(entry: E): Omit<E, "type" | "data"> & AuditEntryPayload {
  return entry as unknown as Omit<E, "type" | "data"> & AuditEntryPayload;
}

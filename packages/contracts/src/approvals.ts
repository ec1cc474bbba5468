import { APPROVAL_STATUSES, grantRequestSchema } from "@gatehouse/core";
import { z } from "zod";
import { actionResultSchema, conditionEvaluationSchema, dataAccessSchema, toolRefSchema } from "./actions";
import { idOf, named, queryText, safeString } from "./common";

export const approvalStatusSchema = z.enum(APPROVAL_STATUSES);

export const memberRefSchema = named("MemberRef", z.object({ id: z.string(), name: z.string(), email: z.string() }), "A member of the org (membership id `mem_…`).");

export const approvalSchema = named(
  "Approval",
  z.object({
    id: z.string(),
    status: approvalStatusSchema,
    agentId: z.string(),
    agentName: z.string(),
    delegation: z
      .object({
        rootAgentId: z.string(),
        rootAgentName: z.string(),
        depth: z.number().int(),
        chain: z.array(z.string()).describe("Agent names, root first, the requesting delegate last."),
      })
      .nullable()
      .optional()
      .describe('When a delegate asked: its chain ("deploy by reader-2, delegated by build-agent"); null for a root agent.'),
    actionId: z.string(),
    auditEventId: z.string().describe("The audit entry of the original decision (`requested`)."),
    actionType: z.string(),
    metadata: z.record(z.string(), z.unknown()),
    dataAccessed: z.array(dataAccessSchema),
    tool: toolRefSchema
      .nullable()
      .optional()
      .describe("The tool call asked about, when the agent named one: approving it approves these arguments only (`argsDigest`); null otherwise."),
    policyName: z.string().nullable(),
    policyVersion: z.number().int().nullable(),
    conditionsEvaluated: z.array(conditionEvaluationSchema),
    quorum: z.number().int(),
    approvals: z.number().int().describe("Approvals so far."),
    approverRoles: z.array(z.string()),
    approvers: z.array(z.string()),
    excludeAgentOwner: z.boolean(),
    requestedBy: z.string().nullable(),
    votes: z.array(z.object({ member: memberRefSchema, decision: z.enum(["approve", "deny"]), reason: z.string().nullable(), at: z.string() })),
    decidedBy: memberRefSchema.nullable(),
    decisionReason: z.string().nullable(),
    decidedAt: z.string().nullable(),
    expiresAt: z.string(),
    createdAt: z.string(),
    result: actionResultSchema.describe("The action's answer as it stands now."),
    viewer: z.object({ canDecide: z.boolean(), reason: z.string().optional() }).optional().describe("For a member: whether they may vote now, and if not, why."),
  }),
  "A request for approval and where it stands.",
);

export const approvalListQuerySchema = z.strictObject({
  status: z.enum([...APPROVAL_STATUSES, "decided", "all"]).default("pending"),
  agentId: idOf("agent").optional(),
  actionType: queryText(200).optional(),
  cursor: z
    .string()
    .regex(/^\d{13}:apr_[0-9a-zA-Z]{1,40}$/, "must be a cursor returned by a previous page")
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const approvalListSchema = named("ApprovalList", z.object({ approvals: z.array(approvalSchema), nextCursor: z.string().nullable() }), "A page of approvals, newest first.");

export const decisionBodySchema = named(
  "ApprovalDecisionRequest",
  z.strictObject({
    decision: z.enum(["approve", "deny"]),
    reason: safeString().trim().max(1000).optional(),
  }),
  "One member's vote.",
);

export const bulkDecisionBodySchema = named(
  "BulkApprovalDecisionRequest",
  decisionBodySchema.extend({ approvalIds: z.array(idOf("approval")).min(1).max(1000) }),
  "The same vote on several approvals.",
);

export const bulkDecisionResultSchema = named(
  "BulkApprovalDecisionResult",
  z.object({
    results: z.array(
      z.union([
        z.object({ approvalId: z.string(), status: approvalStatusSchema }),
        z.object({ approvalId: z.string(), error: z.object({ code: z.string(), message: z.string() }) }),
      ]),
    ),
  }),
  "Each approval's status after the vote, or why the vote was refused.",
);

export const MAX_WAIT_MS = 25_000;

export const waitQuerySchema = z.object({
  timeoutMs: z.coerce.number().int().min(0).optional().describe(`How long to hold the request, at most ${MAX_WAIT_MS} ms (longer asks are cut to it).`),
});

/** Most approvals one shared wait covers; an SDK client with more waiting gates holds one wait per this many. */
export const MAX_WAIT_IDS = 1000;

export const waitManyBodySchema = named(
  "ApprovalWaitRequest",
  z.strictObject({
    approvalIds: z.array(idOf("approval")).min(1).max(MAX_WAIT_IDS).describe(`The approvals to wait on (at most ${MAX_WAIT_IDS}); repeated ids count once.`),
    timeoutMs: z.number().int().min(0).optional().describe(`How long to hold the request, at most ${MAX_WAIT_MS} ms (longer asks are cut to it).`),
  }),
  "A set of approvals to wait on together.",
);

export const approvalOutcomeSchema = named(
  "ApprovalOutcome",
  approvalSchema.pick({ id: true, status: true, agentId: true, decidedBy: true, decisionReason: true, decidedAt: true, result: true }),
  "How an approval ended: what a waiting agent needs to go on (`result`) or to say why not. The whole approval is at `GET /v1/approvals/:id`.",
);

export const waitManyResultSchema = named(
  "ApprovalWaitResult",
  z.object({
    approvals: z.array(approvalOutcomeSchema).describe("Every approval of the set that is no longer pending (decided, expired or cancelled), as its outcome."),
    pending: z.array(z.string()).describe("The ids still pending: wait on them again."),
    notFound: z.array(z.string()).describe("Ids that name no approval this key may see (missing, another agent's or another org's: indistinguishable)."),
  }),
  "Where a set of approvals stands once one of them left `pending` or the hold ended.",
);

export type Approval = z.output<typeof approvalSchema>;
export type MemberRefView = z.output<typeof memberRefSchema>;
export type ApprovalList = z.output<typeof approvalListSchema>;
export type ApprovalListQuery = z.input<typeof approvalListQuerySchema>;
export type ApprovalWaitResult = z.output<typeof waitManyResultSchema>;
export type ApprovalOutcome = z.output<typeof approvalOutcomeSchema>;
export type DecisionBody = z.input<typeof decisionBodySchema>;

// Standing grants (docs/approvals.md, Standing grants).

export const grantIdParams = z.object({ id: idOf("grant") });

export const grantRequestBodySchema = named("StandingGrantRequest", grantRequestSchema, "How long, how many calls and which arguments a standing grant covers.");

export const grantSchema = named(
  "StandingGrant",
  z.object({
    id: z.string(),
    agentId: z.string(),
    agentName: z.string(),
    actionType: z.string(),
    match: z.record(z.string(), z.unknown()).describe("A later call's metadata must contain these fields with these values."),
    anyArguments: z.boolean().describe("Given explicitly for any arguments (an empty `match`), its uses capped."),
    approvalId: z.string().describe("The approval it was given on."),
    grantedBy: z.object({ id: z.string(), email: z.string() }),
    expiresAt: z.string(),
    maxUses: z.number().int(),
    uses: z.number().int(),
    status: z.enum(["active", "expired", "used_up", "revoked"]),
    reason: z.string().nullable(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
    endedReason: z
      .enum(["revoked", "grantor_removed", "grantor_role_changed"])
      .nullable()
      .describe("Why it ended before its time: revoked by a member, or its giver left the org or lost the role it rested on."),
  }),
  "A standing grant: the same action of one agent, with matching arguments, executed without a person until it expires, is used up or revoked.",
);

export const grantListSchema = named("StandingGrantList", z.object({ grants: z.array(grantSchema) }), "Grants, newest first.");
export const grantListQuerySchema = z.strictObject({ status: z.enum(["active", "all"]).default("active") });
export const grantedApprovalSchema = named(
  "GrantedApproval",
  z.object({ approval: approvalSchema, grant: grantSchema }),
  "The approval, approved by the caller's vote, and the grant made with it.",
);

export type GrantView = z.output<typeof grantSchema>;

// Out of office (docs/approvals.md, Hand-over).

export const handoverStateSchema = named(
  "Handover",
  z.object({
    handover: z
      .object({ id: z.string(), to: z.object({ id: z.string(), email: z.string(), name: z.string() }), endsAt: z.string(), createdAt: z.string() })
      .nullable()
      .describe("The caller's live hand-over, if any."),
    colleagues: z.array(z.object({ id: z.string(), email: z.string(), name: z.string(), role: z.string() })).describe("Who the caller may hand their approvals to."),
  }),
  "The caller's out-of-office hand-over, and the colleagues who could hold their queue.",
);
export const setHandoverBodySchema = named(
  "SetHandoverRequest",
  z.strictObject({
    toMemberId: idOf("membership").describe("The colleague (mem_…) who receives your notices and may decide in your place."),
    until: z.iso.datetime({ offset: true }).describe("When it ends (at most 30 days away)."),
  }),
  "Hand your approvals to a colleague until a time.",
);

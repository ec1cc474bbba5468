import { z } from "zod";
import { canonicalize } from "../audit/canonical-json";
import { sha256Hex } from "../audit/hashing";
import { validationError } from "../errors";
import { inspectInput, jsonRecord, MAX_REQUEST_DEPTH, safeString } from "../input";
import { ACTION_TYPE_PATTERN, formatIssuePath, isReservedActionType, RESERVED_ACTION_MESSAGE, zodIssues } from "../policy/document";
import type { Decision } from "../policy/evaluate";
import { contentFindingSchema, type ContentFinding } from "../content/screen-content";
import { denialReasonSchema, denialReasonsOf, denialText } from "./denial-reasons";

export const dataAccessedSchema = z.strictObject({
  type: safeString().min(1).max(100),
  count: z.number().int().min(0).optional(),
  sensitivity: z.enum(["public", "internal", "confidential", "restricted"]).optional(),
});

export type DataAccess = z.output<typeof dataAccessedSchema>;

export const actionRequestSchema = z.strictObject({
  actionType: z
    .string({ error: "is required" })
    .regex(ACTION_TYPE_PATTERN, "must match ^[a-z0-9][a-z0-9._:-]{0,127}$")
    .refine((actionType) => !isReservedActionType(actionType), RESERVED_ACTION_MESSAGE),
  metadata: jsonRecord({ maxKeyLength: 200 })
    .default({})
    .describe("Free facts about the action, testable by policies as `metadata.<path>`: JSON nesting at most 32 levels and 10,000 values, no NUL or unpaired surrogates."),
  dataAccessed: z.array(dataAccessedSchema).max(100).default([]),
  eventId: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,200}$/, "must be 1-200 characters of [A-Za-z0-9._:-]")
    .optional(),
});

export type ActionRequest = z.output<typeof actionRequestSchema>;

export function parseActionRequest(body: unknown): ActionRequest {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw validationError([{ path: "", message: "body must be a JSON object" }]);
  }
  const unsafe = inspectInput(body, { maxDepth: MAX_REQUEST_DEPTH });
  if (unsafe) throw validationError([{ path: formatIssuePath(unsafe.path), message: unsafe.message }]);
  const parsed = actionRequestSchema.safeParse(body);
  if (!parsed.success) throw validationError(zodIssues(parsed.error));
  return parsed.data;
}

/** Binds an idempotency key or an approval to the exact request an agent made. */
export function actionRequestHash(agentId: string, request: ActionRequest): string {
  return sha256Hex(canonicalize({ agentId, actionType: request.actionType, metadata: request.metadata, dataAccessed: request.dataAccessed }));
}

export const actionStatusSchema = z.enum(["executed", "requested", "denied"]);
export type ActionStatus = z.output<typeof actionStatusSchema>;

export const conditionEvaluationSchema = z.object({
  field: z.string(),
  operator: z.string(),
  expected: z.unknown(),
  actual: z.unknown().optional(),
  result: z.boolean(),
  policy: z.string().describe("The policy the condition belongs to."),
});

/**
 * Set when the org's report-only trial (`policies.reportOnly`) turned a policy's deny or
 * require_approval (NO_POLICY included) into an execution: what the decision would have been.
 */
export const reportOnlySchema = z.object({
  wouldBe: z.enum(["deny", "require_approval"]).describe("The effect the policies decided, which the trial did not enforce."),
  reason: z
    .string()
    .optional()
    .describe(`For a deny: ${denialReasonsOf("policy").join(", ")}.`),
  policy: z.string().optional().describe("The policy that decided it; absent for NO_POLICY."),
});
export type ReportOnly = z.output<typeof reportOnlySchema>;

/** The fields every decision answers, recorded (execute) or only asked (canI). */
export const decisionFields = {
  status: actionStatusSchema,
  denialReason: denialReasonSchema.optional(),
  policyName: z.string().optional().describe("The policy whose effect won; absent when none applied or the agent's state decided."),
  policyVersion: z.number().int().optional(),
  conditionsEvaluated: z.array(conditionEvaluationSchema),
  mode: z.enum(["enforce", "monitor"]).optional(),
  message: z.string().describe("One sentence saying what happened and what to do next, for a person or a model to read."),
  reportOnly: reportOnlySchema
    .optional()
    .describe("The org runs policies report-only: this action executes, but the policies would have denied it or held it for approval (`wouldBe`)."),
  findings: z
    .array(contentFindingSchema)
    .optional()
    .describe(
      "Secrets and personal data found in the call (metadata, data accessed) and what was done with each, by the org's content rules: never the value. Absent when nothing was found.",
    ),
};

/** What `POST /v1/actions` answers (docs/architecture.md); fields may be added, never renamed. */
export const actionResultSchema = z.object({
  ...decisionFields,
  auditEventId: z.string().describe("The audit entry of this decision; report the outcome against it."),
  approvalId: z.string().optional(),
  timeoutAt: z.string().optional().describe("When a pending approval expires (ISO 8601)."),
});
export type ActionResult = z.output<typeof actionResultSchema>;

export function actionStatusOf(decision: Decision): ActionStatus {
  return decision.effect === "allow" ? "executed" : decision.effect === "deny" ? "denied" : "requested";
}

/**
 * The one sentence an ActionResult carries: what was decided, by which policy, and what the caller
 * should do now — readable by a person in a log and by a model deciding its next step.
 */
export function describeResult(result: Pick<ActionResult, "status" | "denialReason" | "policyName" | "approvalId" | "timeoutAt" | "mode" | "reportOnly">): string {
  const by = result.policyName ? ` by policy '${result.policyName}'` : "";
  switch (result.status) {
    case "executed":
      if (result.reportOnly) {
        const would = result.reportOnly.wouldBe === "deny" ? "deny it" : "hold it for approval";
        const who = result.reportOnly.policy ? `policy '${result.reportOnly.policy}' would ${would}` : `no policy allows it, so it would be denied`;
        return `Allowed (the org's policies are report-only): ${who}; go ahead, then report the outcome.`;
      }
      return result.mode === "monitor"
        ? `Allowed: policy '${result.policyName ?? "?"}' is in monitor mode, so go ahead (its effect was only recorded).`
        : `Allowed${by}: go ahead, then report the outcome.`;
    case "requested":
      return `Waiting for approval${by}${result.approvalId ? ` (${result.approvalId})` : ""}: do not act until it is approved${result.timeoutAt ? ` (it expires at ${result.timeoutAt})` : ""}.`;
    case "denied": {
      const reason = result.denialReason ? denialText(result.denialReason) : "a policy denies it";
      return `Denied${by}: ${reason}. Do not perform this action.`;
    }
  }
}

export function buildActionResult(args: {
  decision: Decision;
  auditEventId: string;
  approval?: { id: string; expiresAt: Date };
  denialReason?: string;
  /** What the policies decided, when the report-only trial executed it instead (ignored for a denial before policy). */
  reportOnly?: ReportOnly;
  /** What the content screen found (screenContent). */
  findings?: readonly ContentFinding[];
}): ActionResult {
  const { decision, auditEventId, approval } = args;
  const status = args.denialReason ? "denied" : actionStatusOf(decision);
  const denialReason = args.denialReason ?? decision.reason;
  const result = {
    status,
    auditEventId,
    ...(approval ? { approvalId: approval.id, timeoutAt: approval.expiresAt.toISOString() } : {}),
    ...(status === "denied" && denialReason ? { denialReason } : {}),
    ...(decision.policy ? { policyName: decision.policy.name, policyVersion: decision.policy.version } : {}),
    conditionsEvaluated: decision.conditionsEvaluated,
    mode: decision.mode,
    ...(status === "executed" && args.reportOnly ? { reportOnly: args.reportOnly } : {}),
    ...(args.findings && args.findings.length > 0 ? { findings: [...args.findings] } : {}),
  };
  return { ...result, message: describeResult(result) };
}

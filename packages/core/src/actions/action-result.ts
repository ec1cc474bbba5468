import { z } from "zod";
import { canonicalize } from "@gatehouse/tlog/portable";
import { sha256Hex } from "../audit/hashing";
import { validationError } from "../errors";
import { inspectInput, jsonRecord, MAX_JSON_DEPTH, MAX_JSON_NODES, MAX_REQUEST_DEPTH, safeString } from "../input";
import { ACTION_TYPE_PATTERN, formatIssuePath, isReservedActionType, RESERVED_ACTION_MESSAGE, zodIssues } from "../policy/document";
import type { Decision } from "../policy/evaluate";
import { contentFindingSchema, localFindingSchema } from "../content/content-finding";
import { CONTENT_ACTIONS, type ContentAction } from "../content/content-rules";
import type { ContentClass } from "../content/detectors";
import type { ContentFinding } from "../content/screen-content";
import { denialReasonSchema, denialReasonsOf, denialText } from "./denial-reasons";
import { runKeySchema, runNameSchema, runRefSchema, type RunRef } from "../runs/runs";
import { budgetStateSchema, spendSchema, type BudgetState } from "../spend/budgets";
import { grantRefSchema, type GrantRef } from "../approvals/standing-grants";
import { rewrittenSchema, type Rewritten } from "../policy/rewrite";
import { FAILURE_POLICIES } from "../policy/policy-settings";

export const dataAccessedSchema = z.strictObject({
  type: safeString().min(1).max(100),
  count: z.number().int().min(0).optional(),
  sensitivity: z.enum(["public", "internal", "confidential", "restricted"]).optional(),
});

export type DataAccess = z.output<typeof dataAccessedSchema>;

/** A SHA-256 digest in lowercase hex, as `argsDigest` carries it. */
const DIGEST = /^[0-9a-f]{64}$/;

/**
 * The digest an approval is bound to: hex SHA-256 of the RFC 8785 canonical JSON of a tool call's
 * arguments (docs/integrations.md). The SDK's `argsDigest()` computes the same on the agent's side.
 */
export function argsDigestOf(args: unknown): string {
  return sha256Hex(canonicalize(args));
}

/**
 * The tool call an action stands for, as an adapter sends it: the tool's name as the framework
 * names it, and its arguments (hashed, never stored) or only their digest. Either way the decision,
 * its entry and its approval carry `{ name, argsDigest }`.
 */
export const toolCallSchema = z
  .strictObject({
    name: safeString().min(1).max(200).describe("The tool's name as the framework or the agent names it."),
    arguments: z
      .unknown()
      .superRefine((value, ctx) => {
        const issue = inspectInput(value, { maxDepth: MAX_JSON_DEPTH, maxNodes: MAX_JSON_NODES, jsonOnly: true });
        if (issue) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message, input: value });
      })
      .optional()
      .describe("The call's arguments (any JSON): hashed into `argsDigest`, never stored."),
    argsDigest: z
      .string()
      .regex(DIGEST, "must be 64 lowercase hex characters (SHA-256)")
      .optional()
      .describe("Hex SHA-256 of the RFC 8785 JSON of the arguments, when they are not sent."),
  })
  .transform((tool, ctx) => {
    if (tool.arguments === undefined && tool.argsDigest === undefined) {
      ctx.addIssue({ code: "custom", path: ["argsDigest"], message: "is required when arguments are not sent" });
      return z.NEVER;
    }
    const argsDigest = tool.arguments === undefined ? (tool.argsDigest as string) : argsDigestOf(tool.arguments);
    if (tool.argsDigest !== undefined && tool.argsDigest !== argsDigest) {
      ctx.addIssue({ code: "custom", path: ["argsDigest"], message: "does not match the digest of arguments" });
      return z.NEVER;
    }
    return { name: tool.name, argsDigest };
  });

/** The tool call a decision was made on, as decisions, entries and approvals carry it. */
export const toolRefSchema = z.object({
  name: z.string().describe("The tool's name as the agent named it."),
  argsDigest: z.string().describe("Hex SHA-256 of the RFC 8785 JSON of the call's arguments: an approval holds for these arguments only."),
});
export type ToolRef = z.output<typeof toolRefSchema>;

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
  tool: toolCallSchema.optional().describe("The tool call this action stands for (adapters send it): the decision, its entry and its approval are bound to the arguments' digest."),
  runId: runKeySchema
    .optional()
    .describe(
      "The run this call belongs to, chosen by the caller (docs/runs.md): the first call naming it starts the run; a delegate's calls naming its root agent's runId join that run. canI accepts it and records nothing.",
    ),
  runName: runNameSchema.optional().describe('The run\'s name for people ("triage #4512"), taken from the call that starts the run (or the first that names one).'),
  spend: spendSchema
    .optional()
    .describe(
      "What the call will spend on a model (docs/budgets.md): its projected cost is reserved against the budgets that apply, in the decision's own transaction, and settled by the outcome's `usage`.",
    ),
  screened: z
    .array(localFindingSchema)
    .max(100)
    .optional()
    .describe(
      "What the caller's own screen found in content it does not send to Gatehouse — a model call's prompt, screened in the caller's process by the model-client wrappers (docs/guardrails.md): detector, class and path, never the value. Judged by the call's content rules like the metadata's findings: listed in `findings`, recorded, and a class set to `deny` refuses the call (`CONTENT_DENIED`); the answer's `content` says what the caller must redact before sending.",
    ),
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
  const { actionType, metadata, dataAccessed, tool, spend } = request;
  return sha256Hex(canonicalize({ agentId, actionType, metadata, dataAccessed, ...(tool ? { tool } : {}), ...(spend ? { spend } : {}) }));
}

const UNEVALUATED = "unevaluated:";

/**
 * The request hash of a decision that could not be evaluated: of its identifiers only (its content was never
 * screened, so no digest of it is kept), marked so a retry of its eventId answers it whatever the retry's
 * content (the content it would be compared by was never read).
 */
export function unevaluatedRequestHash(agentId: string, request: ActionRequest): string {
  return UNEVALUATED + actionRequestHash(agentId, { ...request, metadata: {}, dataAccessed: [] });
}

/** Whether a recorded request hash is one of a decision that could not be evaluated (unevaluatedRequestHash). */
export function isUnevaluatedRequestHash(hash: string): boolean {
  return hash.startsWith(UNEVALUATED);
}

export const actionStatusSchema = z.enum(["executed", "requested", "denied"]);
export type ActionStatus = z.output<typeof actionStatusSchema>;

export const conditionEvaluationSchema = z.object({
  field: z.string(),
  operator: z.string(),
  expected: z.unknown().optional().describe("The condition's value; absent for `exists` written without one."),
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

/** The steps of a decision that can fail while it is evaluated (docs/policies.md, When a decision cannot be evaluated). */
export const DECISION_STEPS = ["delegation", "breaker", "rates", "policies", "screen", "budgets", "grants"] as const;
export type DecisionStep = (typeof DECISION_STEPS)[number];

/** Set when the decision could not be evaluated and the org's failure policy decided it instead. */
export const evaluationFailureSchema = z
  .object({
    step: z
      .enum(DECISION_STEPS)
      .describe("The step that failed: the delegation chain, the circuit breaker, the rate counts, the policies, the content screen, the budgets or the standing grants."),
    failurePolicy: z
      .enum(FAILURE_POLICIES)
      .describe("The org's `policies.failurePolicy` that decided it: `deny` (DENIED with EVALUATION_FAILED) or `require_approval` (held for a person)."),
  })
  .describe(
    "The decision could not be evaluated (an internal error at `step`; its details are in the server's log, never in the answer), so the org's failure policy decided it: never an allow.",
  );
export type EvaluationFailure = z.output<typeof evaluationFailureSchema>;

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
  tool: toolRefSchema.optional().describe("The tool call decided on, when the request named one: its approval holds for exactly these arguments."),
  content: z
    .object({ secrets: z.enum(CONTENT_ACTIONS), personalData: z.enum(CONTENT_ACTIONS) })
    .optional()
    .describe(
      "The content rules this call is held to (its policies' `content`, else the org default; docs/content.md): what a caller that screens content itself (a model call's prompt, docs/guardrails.md) must do with what it found — `redact` before sending, `deny` never send.",
    ),
  budget: budgetStateSchema
    .optional()
    .describe(
      "The budget that refused the call or held it for approval (`exceeded`); for an allowed call, its budget closest to its limit once that is at least 80% used with the call (a warning); else absent (docs/budgets.md).",
    ),
  grant: grantRefSchema
    .optional()
    .describe(
      "The standing grant that let this call through without a person (canI: that would, without taking a use): a policy would have held it for approval (docs/approvals.md, Standing grants).",
    ),
  rewritten: rewrittenSchema.optional(),
  failure: evaluationFailureSchema.optional(),
};

/** What `POST /v1/actions` answers (docs/architecture.md); fields may be added, never renamed. */
export const actionResultSchema = z.object({
  ...decisionFields,
  auditEventId: z.string().describe("The audit entry of this decision; report the outcome against it."),
  approvalId: z.string().optional(),
  approvalUrl: z.string().optional().describe("Where a person decides the approval: its page in the console (for a person to open, or an agent to show)."),
  timeoutAt: z.string().optional().describe("When a pending approval expires (ISO 8601)."),
  run: runRefSchema.optional().describe("The run the decision was recorded in, when the call named a runId."),
});
export type ActionResult = z.output<typeof actionResultSchema>;

export function actionStatusOf(decision: Decision): ActionStatus {
  return decision.effect === "allow" ? "executed" : decision.effect === "deny" ? "denied" : "requested";
}

/**
 * The one sentence an ActionResult carries: what was decided, by which policy, and what the caller
 * should do now — readable by a person in a log and by a model deciding its next step.
 */
export function describeResult(
  result: Pick<ActionResult, "status" | "denialReason" | "policyName" | "approvalId" | "timeoutAt" | "mode" | "reportOnly" | "rewritten" | "failure">,
): string {
  const by = result.policyName
    ? ` by policy '${result.policyName}'`
    : result.failure && result.status === "requested"
      ? ` (the decision could not be evaluated, at its ${result.failure.step} step, and the org's failure policy holds it for a person)`
      : "";
  const changes = result.rewritten?.changes.length ?? 0;
  const rewritten = changes > 0 ? ` with ${changes === 1 ? "a change" : `${changes} changes`} the policies make to the call (rewritten)` : "";
  switch (result.status) {
    case "executed":
      if (result.reportOnly) {
        const would = result.reportOnly.wouldBe === "deny" ? "deny it" : "hold it for approval";
        const who = result.reportOnly.policy ? `policy '${result.reportOnly.policy}' would ${would}` : `no policy allows it, so it would be denied`;
        return `Allowed (the org's policies are report-only): ${who}; go ahead, then report the outcome.`;
      }
      return result.mode === "monitor"
        ? `Allowed: policy '${result.policyName ?? "?"}' is in monitor mode, so go ahead (its effect was only recorded).`
        : rewritten
          ? `Allowed${by}${rewritten}: go ahead with them made, then report the outcome.`
          : `Allowed${by}: go ahead, then report the outcome.`;
    case "requested":
      return `Waiting for approval${by}${rewritten}${result.approvalId ? ` (${result.approvalId})` : ""}: do not act until it is approved${result.timeoutAt ? ` (it expires at ${result.timeoutAt})` : ""}.`;
    case "denied": {
      const reason = result.denialReason ? denialText(result.denialReason) : "a policy denies it";
      return `Denied${by}: ${reason}. Do not perform this action.`;
    }
  }
}

export function buildActionResult(args: {
  decision: Decision;
  auditEventId: string;
  approval?: { id: string; expiresAt: Date; url?: string };
  denialReason?: string;
  /** What the policies decided, when the report-only trial executed it instead (ignored for a denial before policy). */
  reportOnly?: ReportOnly;
  /** What the content screen found (screenContent). */
  findings?: readonly ContentFinding[];
  /** The tool call the request named. */
  tool?: ToolRef;
  /** The content rules the call is held to: answered to a caller that screens content itself (the request's `screened`). */
  content?: Record<ContentClass, ContentAction>;
  /** The run the decision is recorded in. */
  run?: RunRef;
  /** The budget that decided, or the tightest (spend/budgets.ts). */
  budget?: BudgetState;
  /** The standing grant that let the call through. */
  grant?: GrantRef;
  /** What the policies' rewrites changed in the call (rewrite-request.ts). */
  rewritten?: Rewritten;
  /** The decision could not be evaluated: the failure policy decided it. */
  failure?: EvaluationFailure;
}): ActionResult {
  const { decision, auditEventId, approval } = args;
  const status = args.denialReason ? "denied" : actionStatusOf(decision);
  const denialReason = args.denialReason ?? decision.reason;
  const result = {
    status,
    auditEventId,
    ...(approval ? { approvalId: approval.id, ...(approval.url ? { approvalUrl: approval.url } : {}), timeoutAt: approval.expiresAt.toISOString() } : {}),
    ...(status === "denied" && denialReason ? { denialReason } : {}),
    ...(decision.policy ? { policyName: decision.policy.name, policyVersion: decision.policy.version } : {}),
    conditionsEvaluated: decision.conditionsEvaluated,
    mode: decision.mode,
    ...(status === "executed" && args.reportOnly ? { reportOnly: args.reportOnly } : {}),
    ...(args.findings && args.findings.length > 0 ? { findings: [...args.findings] } : {}),
    ...(args.tool ? { tool: { name: args.tool.name, argsDigest: args.tool.argsDigest } } : {}),
    ...(args.content ? { content: { secrets: args.content.secrets, personalData: args.content.personalData } } : {}),
    ...(args.run ? { run: { id: args.run.id, runId: args.run.runId } } : {}),
    ...(args.budget ? { budget: args.budget } : {}),
    ...(args.grant ? { grant: args.grant } : {}),
    // A denied call runs nothing: there is nothing to rewrite.
    ...(status !== "denied" && args.rewritten ? { rewritten: args.rewritten } : {}),
    ...(args.failure ? { failure: { step: args.failure.step, failurePolicy: args.failure.failurePolicy } } : {}),
  };
  return { ...result, message: describeResult(result) };
}

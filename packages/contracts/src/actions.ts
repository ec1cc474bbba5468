import {
  actionRequestSchema,
  actionResultSchema as coreActionResultSchema,
  actionStatusSchema,
  contentFindingSchema,
  conditionEvaluationSchema as coreConditionEvaluationSchema,
  dataAccessedSchema,
  decisionFields,
  denialReasonCodeSchema,
  runKeySchema,
  toolRefSchema as coreToolRefSchema,
  usageSchema,
  jsonRecord,
  localFindingSchema,
  OUTCOME_STATUSES,
} from "@gatehouse/core";
import { z } from "zod";
import { named, safeString } from "./common";

// The known denial reasons as their own component, so the generated client types list them; the
// field itself (core's denialReasonSchema) is an open enum: these codes or any other string.
named("DenialReasonCode", denialReasonCodeSchema, "A denial reason this version of the API knows (docs/audit.md, Denial reasons).");

export const dataAccessSchema = named("DataAccess", dataAccessedSchema, "A kind of data the action touches, testable by policies as `dataAccessed`.");

export const toolRefSchema = named("ToolRef", coreToolRefSchema, "The tool call a decision was made on: its name and the digest of its arguments.");

export const executeBodySchema = named("ActionRequest", actionRequestSchema, "What an agent is about to do.");

/** canI takes the same facts; an eventId is accepted and ignored (nothing is recorded). */
export const checkBodySchema = executeBodySchema;

export { actionStatusSchema };

export const conditionEvaluationSchema = named("ConditionEvaluation", coreConditionEvaluationSchema, "One condition the engine examined while deciding.");

export const actionResultSchema = named("ActionResult", coreActionResultSchema, "The decision on one action. A denial is a normal answer, not an HTTP error.");

export const checkResultSchema = named(
  "CheckResult",
  z.object({
    ...decisionFields,
    allowed: z.boolean().describe("execute would answer `executed` now."),
    needsApproval: z.boolean().describe("execute would answer `requested`: a person would have to approve."),
    dryRun: z.literal(true),
  }),
  "What execute would decide now; nothing is recorded and no rate limit is consumed.",
);
export type CheckResult = z.output<typeof checkResultSchema>;

export const outcomeParamsSchema = z.object({ auditEventId: z.string().regex(/^aud_[0-9a-zA-Z]{22}$/, "must be an auditEventId (aud_…)") });

export const outcomeBodySchema = named(
  "OutcomeRequest",
  z.strictObject({
    status: z.enum(OUTCOME_STATUSES),
    message: safeString().max(2000).optional(),
    runId: runKeySchema.optional().describe("The run the action was recorded in, when the caller names it: another run's is a 400 naming `runId`."),
    usage: usageSchema
      .optional()
      .describe(
        "What a model call used, as the provider reported it (docs/budgets.md): it settles the decision's reservation at its actual cost, and counts toward the run's spend.",
      ),
    data: jsonRecord({ maxKeyLength: 200 })
      .optional()
      .describe(
        'Facts about the result (`{ "rowsAffected": 12 }`), tested by the policies\' post-conditions as `outcome.<path>` (docs/policies.md, Post-conditions) and screened like metadata: JSON nesting at most 32 levels and 10,000 values.',
      ),
    screened: z
      .array(localFindingSchema)
      .max(100)
      .optional()
      .describe(
        "What the caller's own screen found in the result, which it does not send (a model's answer, screened in the caller's process by the model-client wrappers; docs/guardrails.md): detector, class and path, never the value. Recorded in `findings` as flagged (a class the call's content rules set to `off` is left out).",
      ),
  }),
  "How an executed action went.",
);

export const outcomeSchema = named(
  "Outcome",
  z.object({
    auditEventId: z.string(),
    status: z.enum(OUTCOME_STATUSES),
    message: z.string().nullable(),
    reportedAt: z.string(),
    outcomeAuditEventId: z.string().optional().describe("The audit entry of the report; present on the answer to the call that recorded it."),
    findings: z
      .array(contentFindingSchema)
      .optional()
      .describe("Secrets and personal data found in the message and what was done with each (never the value); on the answer to the call that recorded it."),
    spend: z
      .object({
        model: z.string(),
        tokens: z.number().int(),
        usd: z.number().nullable().describe("Null when the model has no price."),
        estimated: z.boolean().optional().describe("True when no usage was reported and the reservation was settled at what it projected."),
      })
      .optional()
      .describe("What the reported usage cost (or, with no usage, the reservation it settled); on the answer to the call that recorded it."),
    violations: z
      .array(
        z.object({
          policy: z.string().describe("The policy whose post-condition the outcome broke."),
          conditionsEvaluated: z.array(coreConditionEvaluationSchema.omit({ policy: true })),
        }),
      )
      .optional()
      .describe(
        "The post-conditions the outcome broke (docs/policies.md); on the answer to the call that recorded it. Each is recorded and streamed; the agent is halted when the org says so.",
      ),
  }),
  "The outcome on record: the first report wins.",
);

export type Outcome = z.output<typeof outcomeSchema>;

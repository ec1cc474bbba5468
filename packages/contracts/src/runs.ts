import { denialReasonSchema, OUTCOME_STATUSES, RUN_END_STATUSES, RUN_IDLE_SECONDS, RUN_STATUSES, runKeySchema } from "@gatehouse/core";
import { z } from "zod";
import { idOf, named } from "./common";

/** The most timeline items one read of a run answers (the newest; `truncated` says when there were more). */
export const RUN_TIMELINE_LIMIT = 500;

export const runStatusSchema = named(
  "RunStatus",
  z.enum(RUN_STATUSES),
  `running (a call within the last ${RUN_IDLE_SECONDS / 60} minutes), waiting (an approval of the run is pending), idle (no call for ${RUN_IDLE_SECONDS / 60} minutes), or how its agent ended it: completed, failed, cancelled. A call naming an idle or ended run picks it up again.`,
);

export const runSchema = named(
  "Run",
  z.object({
    id: z.string().describe("run_…: derived from the org, the root agent and the runId, so every call naming the runId lands in this run."),
    runId: z.string().describe("The runId the agent chose."),
    name: z.string().nullable().describe("The name the first call that gave one sent (`runName`)."),
    agentId: z.string().describe("The agent whose call started the run."),
    agentName: z.string(),
    rootAgentId: z.string().describe("The root agent: its delegates' calls naming the runId join this run."),
    status: runStatusSchema,
    startedAt: z.string(),
    lastActivityAt: z.string().describe("The last decision recorded in the run."),
    endedAt: z.string().nullable().describe("When its agent ended it; for an idle run, null."),
    durationMs: z.number().int().describe("From the start to its end, or to the last activity while it has not ended."),
    decisions: z.object({ total: z.number().int(), executed: z.number().int(), denied: z.number().int(), requested: z.number().int() }),
    pendingApprovals: z.number().int(),
    spend: z
      .object({ tokens: z.number().int(), usd: z.number() })
      .describe("What the run's model calls cost, as their outcomes reported it (docs/budgets.md); calls with no price count their tokens only."),
  }),
  "An agent's calls for one piece of work, grouped by the runId it chose (docs/runs.md).",
);
export type Run = z.output<typeof runSchema>;

export const runListQuerySchema = z.object({
  cursor: z
    .string()
    .regex(/^\d{1,15}\.run_[0-9a-zA-Z]{22}$/, "must be a nextCursor of an earlier page")
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  agentId: idOf("agent").optional().describe("Only this agent's runs (started by it, or rooted at it). An agent's key sees its own runs only."),
  status: z.enum(RUN_STATUSES).optional().describe("Only runs with this status (RunStatus)."),
});

export const runListSchema = named("RunList", z.object({ runs: z.array(runSchema), nextCursor: z.string().nullable() }), "Runs, the most recently active first.");

const member = z.object({ id: z.string(), email: z.string() });

export const runTimelineItemSchema = named(
  "RunTimelineItem",
  z.discriminatedUnion("type", [
    z.object({
      type: z.literal("decision"),
      at: z.string(),
      auditEventId: z.string(),
      agentId: z.string(),
      agentName: z.string(),
      actionType: z.string(),
      status: z.enum(["executed", "requested", "denied"]),
      denialReason: denialReasonSchema.optional(),
      policyName: z.string().optional(),
      message: z.string().describe("The sentence the agent was answered."),
    }),
    z.object({
      type: z.literal("approval"),
      at: z.string().describe("When it was decided (or expired, or was cancelled); for a pending one, when it was requested."),
      approvalId: z.string(),
      auditEventId: z.string().describe("The decision that asked for it."),
      actionType: z.string(),
      status: z.enum(["pending", "approved", "denied", "expired", "cancelled"]),
      votes: z.array(z.object({ member, decision: z.enum(["approve", "deny"]), reason: z.string().nullable(), at: z.string() })).describe("Who decided, and why."),
    }),
    z.object({
      type: z.literal("outcome"),
      at: z.string(),
      auditEventId: z.string().describe("The decision it reports on."),
      actionType: z.string(),
      status: z.enum(OUTCOME_STATUSES),
      message: z.string().nullable(),
      spend: z
        .object({
          model: z.string(),
          tokens: z.number().int(),
          usd: z.number().nullable().describe("Null when the model has no price."),
          estimated: z.boolean().optional().describe("No usage came: the reservation was settled at what it projected."),
        })
        .optional()
        .describe("The model call's tokens and cost, when the outcome reported usage (or settled a reservation)."),
    }),
    z.object({ type: z.literal("ended"), at: z.string(), status: z.enum(RUN_END_STATUSES) }),
  ]),
  "One thing that happened in a run.",
);
export type RunTimelineItem = z.output<typeof runTimelineItemSchema>;

export const runDetailSchema = named(
  "RunDetail",
  z.object({
    run: runSchema,
    timeline: z.array(runTimelineItemSchema).describe(`In order, oldest first: the run's newest ${RUN_TIMELINE_LIMIT} decisions with their approvals and outcomes.`),
    truncated: z.boolean().describe(`The run holds more than ${RUN_TIMELINE_LIMIT} decisions: the oldest are left out.`),
  }),
  "A run with its timeline.",
);
export type RunDetail = z.output<typeof runDetailSchema>;

export const runParams = z.object({
  id: z.union([idOf("run"), runKeySchema]).describe("The run's id (`run_…`), or for an agent's key the runId it chose (its own runs, and its root agent's when it is a delegate)."),
});

export const endRunBodySchema = named(
  "EndRunRequest",
  z.strictObject({ status: z.enum(RUN_END_STATUSES).default("completed").describe("How the run ended. Default: completed.") }),
  "How a run ended.",
);

import { contentFindingSchema, denialReasonsOf, MAX_REPLAY_GROUPS, policyDocumentSchema, policySetSchema, policyTestCaseSchema, SAMPLES_PER_TRANSITION } from "@gatehouse/core";
import { z } from "zod";
import { named, queryFlag } from "./common";

export const policyDocSchema = named("PolicyDocument", policyDocumentSchema, "A policy as written: patterns, an optional condition, an effect and a mode.");

export const policyTestCaseDocSchema = named("PolicyTestCase", policyTestCaseSchema, "A test that travels with a policy set: a sample request and the decision it must get.");

export const policySetBodySchema = named("PolicySet", policySetSchema, "A whole policy set, applied declaratively, with the tests that travel with it.");

export const policyViewSchema = named(
  "PolicyView",
  z.object({
    name: z.string(),
    version: z.number().int(),
    versionId: z.string(),
    contentHash: z.string().describe("Hex SHA-256 of the canonical JSON of `document`."),
    document: z.record(z.string(), z.unknown()),
  }),
  "One active policy version.",
);

export const policyScopeQuerySchema = z.object({
  scope: z.enum(["own", "org"]).optional().describe("`own` (default): the policies that apply to this agent; `org`: all of them."),
});

export const policyListSchema = named("PolicyList", z.object({ scope: z.enum(["own", "org"]), policies: z.array(policyViewSchema) }), "Active policies.");

export const storedPolicyListSchema = named(
  "StoredPolicyList",
  z.object({
    policies: z.array(
      z.looseObject({
        name: z.string(),
        version: z.number().int(),
        contentHash: z.string(),
        versionId: z.string(),
        updatedAt: z.string().optional().describe("When its current version was published (ISO 8601)."),
        updatedBy: z
          .string()
          .nullable()
          .optional()
          .describe("Who published its current version: the member's email (for a member or their admin key), an agent's name, else the actor's id; null if unknown."),
        decisions7d: z.number().int().optional().describe("Decisions it decided over the last 7 UTC days, today included."),
      }),
    ),
    tests: z.array(policyTestCaseSchema).describe("The tests published with the set (empty when none)."),
  }),
  "The active set: each document (defaults filled in) with its version, when and by whom it was published and how often it decided lately, and the set's tests.",
);

export const dryRunQuerySchema = z.object({ dryRun: queryFlag.optional().describe("`true`: answer the diff without applying it.") });

const change = z.object({ name: z.string(), version: z.number().int(), contentHash: z.string() });
const ref = z.object({ name: z.string(), version: z.number().int() });

export const policySetDiffSchema = named(
  "PolicySetDiff",
  z.object({
    dryRun: z.boolean(),
    created: z.array(change),
    updated: z.array(change.extend({ previousVersion: z.number().int() })),
    archived: z.array(ref),
    unchanged: z.array(ref),
  }),
  "How the active set changed (or would, with dryRun).",
);

const effect = z.enum(["allow", "deny", "require_approval"]);

export const policyTestRunSchema = named(
  "PolicyTestRun",
  z.object({
    passed: z.number().int(),
    failed: z.number().int(),
    results: z.array(
      z.object({
        name: z.string(),
        passed: z.boolean(),
        expected: z.object({
          effect,
          policy: z.string().nullable().optional().describe("null: no policy applies; absent: any."),
          findings: z
            .array(z.object({ detector: z.string().optional(), class: z.enum(["secrets", "personalData"]).optional(), path: z.string().optional(), action: z.string() }))
            .optional()
            .describe("The findings the test expects (exactly these); absent: not checked."),
        }),
        actual: z.object({
          effect,
          policy: z.string().nullable(),
          reason: z
            .string()
            .optional()
            .describe(`For a deny: ${denialReasonsOf("policy").join(", ")}, or CONTENT_DENIED (the content screen refused the request).`),
          findings: z.array(contentFindingSchema).optional().describe("What the content screen found in the request, with the default org settings and the set's `content` rules."),
        }),
      }),
    ),
  }),
  "Each test of the set run against its policies with the decision engine.",
);

export const MAX_SIMULATION_DAYS = 30;

export const simulatePoliciesBodySchema = named(
  "SimulatePoliciesRequest",
  policySetSchema.extend({
    days: z.number().int().min(1).max(MAX_SIMULATION_DAYS).default(7).describe("How many days of past decisions to replay (1 to 30; 7 unless given)."),
  }),
  "A draft policy set (its tests are ignored here) and how far back to replay it.",
);

const transition = z.object({ from: effect, to: effect, count: z.number().int() });

export const policySimulationSchema = named(
  "PolicySimulation",
  z.object({
    days: z.number().int(),
    from: z.string().describe("Start of the replayed window (ISO 8601)."),
    to: z.string().describe("End of the replayed window (ISO 8601): when the replay ran."),
    evaluated: z.number().int().describe("Recorded decisions evaluated with the draft."),
    skipped: z.number().int().describe("Decisions made before any policy was consulted (AGENT_HALTED, CIRCUIT_OPEN, DELEGATION_*, POLICY_TAMPERED, …): not replayed."),
    rewritten: z
      .number()
      .int()
      .describe(
        "Evaluated decisions the draft would let through or hold with the call rewritten by a policy's `redact` or `transform` (docs/policies.md, Rewriting a call); a rewrite that cannot be made counts as a deny.",
      ),
    truncated: z.boolean().describe("The window held more than 200,000 decisions: only the most recent were replayed."),
    changed: z.number().int().describe("Evaluated decisions whose effect would change."),
    transitions: z.array(transition).describe("Only changes (recorded effect → draft effect), most frequent first."),
    byActionType: z.array(transition.extend({ actionType: z.string() })).describe(`The changes per action type, most frequent first (at most ${MAX_REPLAY_GROUPS}).`),
    byAgent: z.array(transition.extend({ agentId: z.string(), agentName: z.string() })).describe(`The changes per agent, most frequent first (at most ${MAX_REPLAY_GROUPS}).`),
    samples: z
      .array(
        z.object({
          actionId: z.string(),
          at: z.string(),
          actionType: z.string(),
          agentName: z.string(),
          from: effect,
          to: effect,
          policyBefore: z.string().nullable(),
          policyAfter: z.string().nullable(),
        }),
      )
      .describe(`Up to ${SAMPLES_PER_TRANSITION} recent decisions per transition.`),
  }),
  "What a draft policy set would have decided differently over the org's recent decisions. Recorded effects: executed → allow, requested (or any action that opened an approval) → require_approval, denied → deny. Rate conditions see only the call itself (count 1); agents' names, labels and delegation chains are today's.",
);

export type PolicyView = z.output<typeof policyViewSchema>;
export type PolicyList = z.output<typeof policyListSchema>;
export type PolicySetDiff = z.output<typeof policySetDiffSchema>;
export type PolicyTestRun = z.output<typeof policyTestRunSchema>;
export type PolicySimulation = z.output<typeof policySimulationSchema>;

import { policyDocumentSchema, policySetSchema } from "@gatehouse/core";
import { z } from "zod";
import { named, queryFlag } from "./common";

export const policyDocSchema = named("PolicyDocument", policyDocumentSchema, "A policy as written: patterns, an optional condition, an effect and a mode.");

export const policySetBodySchema = named("PolicySet", policySetSchema, "A whole policy set, applied declaratively.");

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
        updatedBy: z.string().nullable().optional().describe("Who published its current version (the actor of its policy.version_published audit entry); null if unknown."),
        decisions7d: z.number().int().optional().describe("Decisions it decided over the last 7 UTC days, today included."),
      }),
    ),
  }),
  "The active set: each document (defaults filled in) with its version, when and by whom it was published, and how often it decided lately.",
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

export type PolicyView = z.output<typeof policyViewSchema>;
export type PolicyList = z.output<typeof policyListSchema>;
export type PolicySetDiff = z.output<typeof policySetDiffSchema>;

import { MAX_POLICY_SOURCE_BYTES, POLICY_NAME_PATTERN, POLICY_SOURCE_FORMATS, safeString } from "@gatehouse/core";
import { z } from "zod";
import { named } from "./common";
import { policySetDiffSchema } from "./policies";

/** The org's policy draft: source text its writers edit (YAML or JSON), not live until published. */
export const policyDraftSchema = named(
  "PolicyDraft",
  z.object({
    source: z.string().describe("The set as YAML or JSON text: `{ policies: [...], tests: [...] }`."),
    format: z.enum(POLICY_SOURCE_FORMATS),
    revision: z.number().int().describe("Counts saves; 0 when no draft is stored (the source is then the active set and its tests, as YAML)."),
    updatedAt: z.string().nullable().describe("When the draft was last saved (null: no draft stored)."),
    updatedBy: z.object({ id: z.string(), email: z.string() }).nullable().describe("The member who last saved it."),
  }),
  "The org's policy draft.",
);

export const savePolicyDraftBodySchema = named(
  "PolicyDraftSave",
  z.strictObject({
    source: safeString()
      .max(MAX_POLICY_SOURCE_BYTES, `must be at most ${MAX_POLICY_SOURCE_BYTES} bytes`)
      .describe("The set as YAML or JSON text, at most 1 MB. Saved as it is (a draft may be invalid); publishing parses it."),
    format: z.enum(POLICY_SOURCE_FORMATS),
    revision: z.number().int().min(0).max(2_147_483_647).describe("The revision this edit started from (0: no draft yet). Another save since is a 409 naming `revision`."),
  }),
  "A draft to save.",
);

export const publishPolicyDraftBodySchema = named(
  "PolicyDraftPublish",
  z.strictObject({
    revision: z.number().int().min(1).max(2_147_483_647).describe("The draft revision being published; a save since is a 409 naming `revision`."),
  }),
  "Which draft revision to publish.",
);

export const publishedPolicyDraftSchema = named(
  "PolicyDraftPublished",
  z.object({ status: z.literal("published"), diff: policySetDiffSchema }),
  "The draft is live: how the active set changed.",
);

export const pendingPolicyDraftSchema = named(
  "PolicyDraftPendingApproval",
  z.object({ status: z.literal("pending_approval"), approvalId: z.string() }),
  "The org requires a second admin's approval (`policies.requireSecondApproval`): the set goes live when another owner or admin approves `approvalId`.",
);

export const policyNameParams = z.object({ name: z.string().regex(POLICY_NAME_PATTERN, "must be a policy name") });

export const policyVersionListSchema = named(
  "PolicyVersionList",
  z.object({
    name: z.string(),
    status: z.enum(["active", "archived"]),
    versions: z.array(
      z.object({
        version: z.number().int(),
        versionId: z.string(),
        contentHash: z.string().describe("Hex SHA-256 of the canonical JSON of `document`."),
        document: z.record(z.string(), z.unknown()),
        createdAt: z.string(),
        createdBy: z
          .object({
            type: z.string().describe("member, adminKey, agent or system"),
            id: z.string(),
            label: z.string().describe("The member's email, the agent's name, or the id."),
          })
          .nullable()
          .describe("Who published it, from its `policy.version_published` audit entry."),
      }),
    ),
  }),
  "A policy's versions, newest first (at most 500).",
);

export type PolicyDraft = z.output<typeof policyDraftSchema>;
export type PolicyVersionList = z.output<typeof policyVersionListSchema>;

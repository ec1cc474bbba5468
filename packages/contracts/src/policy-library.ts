import { POLICY_PACK_IDS } from "@gatehouse/core";
import { z } from "zod";
import { named } from "./common";

const packId = z.enum(POLICY_PACK_IDS);

// Answers only, so plain shapes: reusing the request schemas (PolicyDocument, Condition, DataAccess)
// in an answer would split each into an answer form and a `…Input` form and change the SDK's types.
const effect = z.enum(["allow", "deny", "require_approval"]);

const templateTestSchema = z.object({
  name: z.string(),
  request: z.object({
    actionType: z.string(),
    agent: z.string(),
    agentLabels: z.record(z.string(), z.string()),
    metadata: z.record(z.string(), z.unknown()),
    dataAccessed: z.array(z.object({ type: z.string(), count: z.number().int().optional(), sensitivity: z.enum(["public", "internal", "confidential", "restricted"]).optional() })),
  }),
  expect: z.object({
    effect,
    policy: z.string().nullable().optional().describe("The policy that must decide; null: no policy applies (NO_POLICY, or the content rules refused it). Absent: any."),
    findings: z
      .array(
        z.object({
          detector: z.string().optional(),
          class: z.enum(["secrets", "personalData"]).optional(),
          path: z.string().optional(),
          action: z.enum(["denied", "redacted", "flagged"]),
        }),
      )
      .optional()
      .describe("The secrets and personal data the content screen must find (docs/content.md); absent: not checked."),
  }),
});

export const policyTemplateSchema = named(
  "PolicyTemplate",
  z.object({
    id: z.string().describe("Also the prefix of its policies' names (`payments.two-approvers`), so templates combine without clashes."),
    title: z.string(),
    summary: z.string().describe("One line: what the policies do."),
    rationale: z.string().describe("The risk, and why this rule answers it."),
    packs: z.array(packId).describe("The packs whose controls name this template."),
    policies: z
      .array(z.record(z.string(), z.unknown()))
      .describe("Policy documents (PolicyDocument), defaults filled in: add them to a draft or a file for `PUT /v1/admin/policies`."),
    tests: z.array(templateTestSchema).describe("Policy test cases, defaults filled in, that pass against `policies`, alone or combined with any other templates."),
  }),
  "A starting point from the policy library: policies, the tests that pin down what they decide, and why.",
);

export const policyPackSchema = named(
  "PolicyPack",
  z.object({
    id: packId,
    title: z.string(),
    framework: z.string().describe("The framework the controls come from."),
    description: z.string(),
    controls: z.array(z.object({ id: z.string(), title: z.string(), templates: z.array(z.string()).describe("Ids of the templates that address this control.") })),
  }),
  "Templates grouped by the controls of a compliance framework. A starting point, not a claim of compliance.",
);

export const policyLibrarySchema = named(
  "PolicyLibrary",
  z.object({ templates: z.array(policyTemplateSchema), packs: z.array(policyPackSchema) }),
  "The policy template library and its compliance packs.",
);

export type PolicyLibraryView = z.output<typeof policyLibrarySchema>;

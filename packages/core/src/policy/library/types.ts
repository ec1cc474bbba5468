import type { z } from "zod";
import type { policyDocumentSchema } from "../document";
import type { policyTestCaseSchema } from "../policy-tests";

/** The compliance packs the library groups its templates into. */
export const POLICY_PACK_IDS = ["agentic-risks", "soc2-change-management", "eu-ai-act-art14", "hipaa-phi"] as const;
export type PackId = (typeof POLICY_PACK_IDS)[number];

/** A policy as an author writes it (defaults may be left out): what `PUT /v1/admin/policies` accepts. */
export type PolicyDocumentInput = z.input<typeof policyDocumentSchema>;
/** A test case as an author writes it (defaults may be left out). */
export type PolicyTestCaseInput = z.input<typeof policyTestCaseSchema>;

/**
 * A starting point an admin adds to a draft: policies named `<id>.…` (so templates combine without
 * clashes) and the tests that pin down what they decide.
 */
export interface PolicyTemplate {
  id: string;
  title: string;
  /** One line: what the policies do. */
  summary: string;
  /** Two to four sentences: the risk, and why this rule answers it. */
  rationale: string;
  /** The packs whose controls name this template (derived from {@link POLICY_PACKS}). */
  packs: PackId[];
  policies: readonly PolicyDocumentInput[];
  tests: readonly PolicyTestCaseInput[];
}

export interface PolicyPackControl {
  id: string;
  title: string;
  /** Template ids that address this control. */
  templates: string[];
}

export interface PolicyPack {
  id: PackId;
  title: string;
  /** The framework the controls come from. */
  framework: string;
  description: string;
  controls: PolicyPackControl[];
}

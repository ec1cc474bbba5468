/**
 * The policy template library: starting points an admin adds to a draft, each with its rationale and
 * tests, grouped into compliance packs. Pure data; `GET /v1/admin/policies/library` serves it.
 */
import { parsePolicySet, type PolicyDocument } from "../document";
import { parsePolicyTests, type PolicyTestCase } from "../policy-tests";
import { POLICY_PACKS } from "./packs";
import { TEMPLATE_DEFINITIONS } from "./templates";
import { POLICY_PACK_IDS, type PackId, type PolicyPack, type PolicyTemplate } from "./types";

export { POLICY_PACKS } from "./packs";
export * from "./types";

/** Every template, with `packs` filled in from the packs whose controls name it. */
export const POLICY_TEMPLATES: readonly PolicyTemplate[] = TEMPLATE_DEFINITIONS.map((template) => ({
  ...template,
  packs: POLICY_PACK_IDS.filter((packId) => POLICY_PACKS.some((pack) => pack.id === packId && pack.controls.some((control) => control.templates.includes(template.id)))),
}));

/** A template by id, or undefined. */
export function policyTemplate(id: string): PolicyTemplate | undefined {
  return POLICY_TEMPLATES.find((template) => template.id === id);
}

/** The templates a pack's controls name, in library order. */
export function packTemplates(packId: PackId): PolicyTemplate[] {
  const pack = POLICY_PACKS.find((p) => p.id === packId);
  if (!pack) return [];
  const ids = new Set(pack.controls.flatMap((control) => control.templates));
  return POLICY_TEMPLATES.filter((template) => ids.has(template.id));
}

/** A template as served: its policies and tests with every default filled in (as `GET /v1/admin/policies` shows documents). */
export interface ResolvedPolicyTemplate extends Omit<PolicyTemplate, "policies" | "tests"> {
  policies: PolicyDocument[];
  tests: PolicyTestCase[];
}

export interface PolicyLibrary {
  templates: ResolvedPolicyTemplate[];
  packs: PolicyPack[];
}

let resolved: PolicyLibrary | undefined;

/** The library as `GET /v1/admin/policies/library` answers it: parsed once, defaults filled in. */
export function policyLibrary(): PolicyLibrary {
  resolved ??= {
    templates: POLICY_TEMPLATES.map((template) => ({
      ...template,
      policies: parsePolicySet({ policies: template.policies }),
      tests: parsePolicyTests({ tests: template.tests }),
    })),
    packs: [...POLICY_PACKS],
  };
  return resolved;
}

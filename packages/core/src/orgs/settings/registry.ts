import { anomalySetting } from "./anomaly";
import { approvalTimeoutSettingDefinition } from "./approval-timeout";
import { budgetsSetting } from "./budgets";
import { circuitBreakerSetting } from "./circuit-breaker";
import { contentSetting } from "./content";
import { delegationSetting } from "./delegation";
import { grantsSetting } from "./grants";
import { loopsSetting } from "./loops";
import { policiesSetting } from "./policies";
import { postConditionsSetting } from "./post-conditions";
import { retentionSetting } from "./retention";
import type { OrgSetting } from "./setting";
import { signInSetting } from "./sign-in";
import { spendSetting } from "./spend";
import { witnessesSetting } from "./witnesses";

/**
 * Every org setting, under the key it has in the settings object, in the order the two-admin rule lists weakened
 * settings. A new setting is a file of this folder and a line here: the settings read and change
 * (packages/db/src/orgs), the API's `OrgSettings` and `UpdateSettingsRequest` (packages/contracts) and the
 * weakening table (../weakening-settings.ts) all derive from this one object.
 */
export const ORG_SETTINGS = {
  circuitBreaker: circuitBreakerSetting,
  approvalTimeoutSeconds: approvalTimeoutSettingDefinition,
  signIn: signInSetting,
  delegation: delegationSetting,
  anomaly: anomalySetting,
  loops: loopsSetting,
  policies: policiesSetting,
  budgets: budgetsSetting,
  postConditions: postConditionsSetting,
  spend: spendSetting,
  grants: grantsSetting,
  content: contentSetting,
  retention: retentionSetting,
  witnesses: witnessesSetting,
} as const;

export type OrgSettingKey = keyof typeof ORG_SETTINGS;
type ValueOf<S> = S extends OrgSetting<infer V, infer _P> ? V : never;
type PatchOf<S> = S extends OrgSetting<infer _V, infer P> ? P : never;
/** An org's settings, each read with its default. */
export type EnforcementSettings = { [K in OrgSettingKey]: ValueOf<(typeof ORG_SETTINGS)[K]> };
/** A settings change: any of the settings, each as its patch. */
export type SettingsPatch = { [K in OrgSettingKey]?: PatchOf<(typeof ORG_SETTINGS)[K]> };

/** The settings' keys, in the registry's order. */
export const ORG_SETTING_KEYS = Object.keys(ORG_SETTINGS) as OrgSettingKey[];

/** One setting's definition, typed for code that walks them all (its value and patch as unknowns). */
export function orgSetting(key: OrgSettingKey): OrgSetting<unknown, unknown> {
  return ORG_SETTINGS[key] as unknown as OrgSetting<unknown, unknown>;
}

/** The settings object as stored, read with defaults (an invalid value reads as its default). */
export function readOrgSettings(stored: unknown): EnforcementSettings {
  return Object.fromEntries(ORG_SETTING_KEYS.map((key) => [key, orgSetting(key).read(stored)])) as EnforcementSettings;
}

/**
 * The settings after a change (validated against UpdateSettingsRequest): each setting it names merged onto its value
 * before, the others as they were. A merge that makes a setting invalid throws the schema's error.
 */
export function mergeOrgSettings(before: EnforcementSettings, patch: SettingsPatch): EnforcementSettings {
  const after: Record<string, unknown> = { ...before };
  for (const key of ORG_SETTING_KEYS) {
    const change = patch[key];
    if (change !== undefined) after[key] = orgSetting(key).merge(before[key], change);
  }
  return after as EnforcementSettings;
}

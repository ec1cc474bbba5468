import { ORG_SETTING_KEYS, ORG_SETTINGS, type EnforcementSettings, type OrgSettingKey } from "./settings/registry";
import type { Permission } from "../permissions";
import type { RulesOf, SettingRule } from "./settings/setting";

export type { EnforcementSettings } from "./settings/registry";
export type { SettingRule } from "./settings/setting";

/**
 * Which changes of an org's settings weaken enforcement. While the two-admin rule is in force
 * (`policies.requireSecondApproval`), a change that weakens any of them waits for another owner or
 * admin's approval, as a policy publish does; a change that only strengthens (or is neutral) applies
 * at once. Each setting declares its rules beside it (./settings/*.ts, `rules`); this is the table they make, in the
 * registry's order. The compiler refuses a setting, or a field of one, without a rule.
 */
export const SETTING_RULES = Object.fromEntries(ORG_SETTING_KEYS.map((key) => [key, ORG_SETTINGS[key].rules])) as {
  [K in OrgSettingKey]: RulesOf<EnforcementSettings[K]>;
};

/** A weakening change of one setting: its path (`policies.reportOnly`), the values, and what it does. */
export interface WeakeningChange {
  path: string;
  before: unknown;
  after: unknown;
  weakening: string;
}

function isRule(value: unknown): value is SettingRule<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { weakens?: unknown }).weakens === "function";
}

/** A weakening change whose rule names a permission it needs beside `settings.write` (`requires`). */
export interface GuardedChange extends WeakeningChange {
  requires: Permission;
}

function walk(rules: object, before: Record<string, unknown>, after: Record<string, unknown>, prefix: string, out: Array<[WeakeningChange, SettingRule<unknown>]>): void {
  for (const [key, rule] of Object.entries(rules)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isRule(rule)) {
      if (rule.weakening !== null && rule.weakens(before[key], after[key])) out.push([{ path, before: before[key], after: after[key], weakening: rule.weakening }, rule]);
    } else {
      walk(rule as object, (before[key] ?? {}) as Record<string, unknown>, (after[key] ?? {}) as Record<string, unknown>, path, out);
    }
  }
}

function weakened(before: EnforcementSettings, after: EnforcementSettings): Array<[WeakeningChange, SettingRule<unknown>]> {
  const out: Array<[WeakeningChange, SettingRule<unknown>]> = [];
  walk(SETTING_RULES, before as unknown as Record<string, unknown>, after as unknown as Record<string, unknown>, "", out);
  return out;
}

/** The settings a change from `before` to `after` weakens, in the table's order (empty: it weakens none). */
export function weakeningChanges(before: EnforcementSettings, after: EnforcementSettings): WeakeningChange[] {
  return weakened(before, after).map(([change]) => change);
}

/**
 * The weakening changes from `before` to `after` that need a permission beside `settings.write` (their rule's
 * `requires`: setting or shortening a retention needs `audit.retention`), in the table's order. The settings change
 * asks the permission catalogue for each, of the member who asked, before anything else (the two-admin rule included).
 */
export function guardedChanges(before: EnforcementSettings, after: EnforcementSettings): GuardedChange[] {
  return weakened(before, after).flatMap(([change, rule]) => (rule.requires ? [{ ...change, requires: rule.requires }] : []));
}

import type { BreakerSettings } from "../agents/circuit-breaker";
import type { AnomalySettings } from "../anomaly/detect-anomalies";
import type { LoopSettings } from "../limits/loops";
import type { DelegationSettings } from "../delegation/settings";
import { ROLE_RANKING, type MemberRole } from "../permissions";
import type { PolicySettings } from "../policy/policy-settings";
import { contentActionWeakens, type ContentAction, type ContentSettings } from "../content/content-rules";
import type { SignInSettings } from "./sign-in-settings";
import { normalizeModelName } from "../spend/model-names";
import type { OrgModelPrice, SpendSettings } from "../spend/prices";
import type { PostConditionSettings } from "../policy/post-conditions";
import { orgBudgetsWeaken, type OrgBudget } from "../spend/budgets";
import type { GrantSettings } from "../approvals/standing-grants";

/**
 * Which changes of an org's settings weaken enforcement. While the two-admin rule is in force
 * (`policies.requireSecondApproval`), a change that weakens any of them waits for another owner or
 * admin's approval, as a policy publish does; a change that only strengthens (or is neutral) applies
 * at once. This file is the one table: every setting has a row, and the compiler refuses a setting
 * added to the schema without one.
 */
export interface EnforcementSettings {
  circuitBreaker: BreakerSettings;
  approvalTimeoutSeconds: number;
  signIn: SignInSettings;
  delegation: DelegationSettings;
  anomaly: AnomalySettings;
  loops: LoopSettings;
  policies: PolicySettings;
  content: ContentSettings;
  spend: SpendSettings;
  postConditions: PostConditionSettings;
  budgets: OrgBudget[];
  grants: GrantSettings;
}

/** One setting's row: whether going from `before` to `after` weakens enforcement, and what such a change is. */
export interface SettingRule<V> {
  weakens: (before: V, after: V) => boolean;
  /** What a weakening change of this setting is, for people (docs, the approval's summary). */
  weakening: string | null;
}

type Leaf = string | number | boolean | readonly unknown[];
type Rules<T> = { [K in keyof T]-?: T[K] extends Leaf ? SettingRule<T[K]> : Rules<T[K]> };

const raised = (weakening: string): SettingRule<number> => ({ weakens: (before, after) => after > before, weakening });
const lowered = (weakening: string): SettingRule<number> => ({ weakens: (before, after) => after < before, weakening });
const switchedOff = (weakening: string): SettingRule<boolean> => ({ weakens: (before, after) => before && !after, weakening });
const switchedOn = (weakening: string): SettingRule<boolean> => ({ weakens: (before, after) => !before && after, weakening });
const neutral = <V>(): SettingRule<V> => ({ weakens: () => false, weakening: null });
const rank = (role: MemberRole): number => ROLE_RANKING.indexOf(role);
const loosened = (weakening: string): SettingRule<ContentAction> => ({ weakens: contentActionWeakens, weakening });

/** An org price added, removed (the model falls back to the table, or to nothing) or lowered: money budgets may let more through. */
function pricesWeaken(before: readonly OrgModelPrice[], after: readonly OrgModelPrice[]): boolean {
  const rates = (p: OrgModelPrice) => [p.input, p.output, p.cacheRead ?? p.input, p.cacheWrite ?? p.input];
  const key = (p: OrgModelPrice) => (p.model === "*" ? "*" : normalizeModelName(p.model));
  const old = new Map(before.map((p) => [key(p), p]));
  const now = new Map(after.map((p) => [key(p), p]));
  for (const [model, price] of now) {
    const was = old.get(model);
    if (!was) return true;
    const a = rates(was);
    if (rates(price).some((rate, i) => rate < (a[i] as number))) return true;
  }
  return [...old.keys()].some((model) => !now.has(model));
}

export const SETTING_RULES: Rules<EnforcementSettings> = {
  circuitBreaker: {
    failureThreshold: raised("raised: an agent's breaker opens only after more failures"),
    windowSeconds: lowered("lowered: failures are counted over a shorter window, so the breaker opens less often"),
    cooldownSeconds: lowered("lowered: an open breaker lets the agent act again sooner"),
  },
  // How long an approval waits before it expires (and its action is refused): neither way lets more through.
  approvalTimeoutSeconds: neutral(),
  signIn: {
    ssoDomains: { weakens: (before, after) => after.some((domain) => !before.includes(domain)), weakening: "a domain added: its people join the org on their first sign-in" },
    ssoDefaultRole: { weakens: (before, after) => rank(after) < rank(before), weakening: "raised: people who join by single sign-on get a stronger role" },
    ssoRequired: switchedOff("turned off: console sessions signed in with a password are accepted again"),
  },
  delegation: {
    maxDepth: raised("raised: delegation chains may be deeper"),
    maxActiveChildren: raised("raised: one agent may hold more active delegates"),
  },
  anomaly: {
    haltAgent: switchedOff("turned off: an agent keeps acting when an anomaly is detected in its traffic"),
  },
  loops: {
    enabled: switchedOff("turned off: an agent may repeat the same call without limit"),
    maxRepeats: raised("raised: an agent may repeat the same call more often before it is refused"),
    windowSeconds: lowered("lowered: repeats are counted over a shorter window, so a loop is refused later or not at all"),
    haltAgent: switchedOff("turned off: an agent caught in a loop keeps running"),
  },
  policies: {
    reportOnly: switchedOn("turned on: nothing the policies decide is enforced"),
    requireSecondApproval: switchedOff("turned off: one admin alone can publish policies and change these settings"),
  },
  budgets: { weakens: orgBudgetsWeaken, weakening: "an org budget removed, its limit raised or removed, atLimit loosened, or what it counts changed: more calls may go through" },
  postConditions: {
    haltAgent: switchedOff("turned off: an agent whose outcome breaks a post-condition keeps running"),
  },
  spend: {
    priceOverrides: { weakens: pricesWeaken, weakening: "an org price added, removed or lowered: model calls may count for less against money budgets" },
    // How long a reservation waits for its outcome: a shorter wait frees a denied call's hold sooner and
    // charges a silent call's sooner, but also ends a long stream's reservation while it still runs.
    reservationSeconds: lowered("lowered: a reservation is ended sooner, while a long model call may still be running"),
  },
  grants: {
    enabled: switchedOn("turned on: approvers may let an agent's later calls through without a person"),
    maxDurationSeconds: raised("raised: a standing grant may let calls through for longer"),
    maxUses: raised("raised: a standing grant may let more calls through"),
  },
  content: {
    secrets: loosened("loosened: secrets found in calls are kept (or no longer looked for) where they were redacted or refused"),
    personalData: loosened("loosened: personal data found in calls is kept (or no longer looked for) where it was redacted or refused"),
  },
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

function walk(rules: object, before: Record<string, unknown>, after: Record<string, unknown>, prefix: string, out: WeakeningChange[]): void {
  for (const [key, rule] of Object.entries(rules)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isRule(rule)) {
      if (rule.weakening !== null && rule.weakens(before[key], after[key])) out.push({ path, before: before[key], after: after[key], weakening: rule.weakening });
    } else {
      walk(rule as object, (before[key] ?? {}) as Record<string, unknown>, (after[key] ?? {}) as Record<string, unknown>, path, out);
    }
  }
}

/** The settings a change from `before` to `after` weakens, in the table's order (empty: it weakens none). */
export function weakeningChanges(before: EnforcementSettings, after: EnforcementSettings): WeakeningChange[] {
  const out: WeakeningChange[] = [];
  walk(SETTING_RULES, before as unknown as Record<string, unknown>, after as unknown as Record<string, unknown>, "", out);
  return out;
}

import { createHash } from "node:crypto";
import { z } from "zod";
import { compilePattern, MAX_PATTERN_STARS, patternStars } from "../policy/match-pattern";
import { normalizeModelName } from "./model-names";
import { microsOf, modelNameSchema, SERVICE_TIERS, usdOf } from "./prices";

/**
 * Budgets (docs/budgets.md): limits in tokens and in money that a policy puts on the calls it
 * matches — per run, per agent per day (UTC), per org per month (UTC), or a named pot that every
 * policy naming it draws from (per month) — optionally only for some models, or one count per model.
 * A call that declares its spend reserves its projected cost in the transaction that records its
 * decision; its outcome's usage settles the reservation; a job releases what is never settled.
 * This file is the pure part: the shapes, the counters' keys, and the check.
 */

export const MAX_TOKENS_PER_CALL = 10_000_000;
const tokenCount = z.number().int().min(0).max(MAX_TOKENS_PER_CALL);

/** What a call declares it will spend (`POST /v1/actions` `spend`). */
export const spendSchema = z.strictObject({
  model: modelNameSchema,
  inputTokens: tokenCount.describe("The prompt's tokens (an estimate is fine; the outcome's usage settles it)."),
  maxOutputTokens: tokenCount.describe("The most the model may answer with (the request's max tokens): reserved in full until the outcome says what was used."),
  tier: z.enum(SERVICE_TIERS).optional().describe("The provider's service tier when its prices differ (`flex`, `priority`, `batch`); standard unless said."),
});
export type Spend = z.output<typeof spendSchema>;

/** What a call used (an outcome's `usage`): as the provider reported it. */
export const usageSchema = z
  .strictObject({
    model: modelNameSchema.optional().describe("The model that answered, when it differs from the declared one; priced at the decision's time."),
    inputTokens: tokenCount.describe("Every input token, cached ones included."),
    outputTokens: tokenCount,
    cachedInputTokens: tokenCount.optional().describe("Of the input tokens, those read from a prompt cache."),
    cacheWriteTokens: tokenCount.optional().describe("Of the input tokens, those written to a prompt cache."),
    estimated: z.boolean().optional().describe("True when the provider gave no usage and these are the declared maximum (the wrappers say so for a stream that ended without it)."),
  })
  .superRefine((usage, ctx) => {
    if ((usage.cachedInputTokens ?? 0) + (usage.cacheWriteTokens ?? 0) > usage.inputTokens)
      ctx.addIssue({ code: "custom", path: ["cachedInputTokens"], message: "cached and cache-write tokens are part of inputTokens, so together at most inputTokens" });
  });
export type Usage = z.output<typeof usageSchema>;

/** At most this many alert ratios per budget. */
export const MAX_ALERT_RATIOS = 5;
/** A budget's alert ratios when it sets none (`alertAt`): the answer's warning and the event at the same point. */
export const DEFAULT_ALERT_RATIOS: readonly number[] = [0.8];

const POT_NAME = /^pot:[a-z0-9][a-z0-9._-]{0,99}$/;
export const BUDGET_PERIODS = ["run", "agent-day", "org-month"] as const;

const modelPatternSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9*][A-Za-z0-9._:/@*-]{0,199}$/, "must be a model id or pattern like 'gpt-4o*'")
  .refine((pattern) => patternStars(pattern) <= MAX_PATTERN_STARS, `holds at most ${MAX_PATTERN_STARS} '*'`);

/** A policy's `budget`. */
export const policyBudgetSchema = z
  .strictObject({
    limit: z
      .strictObject({
        tokens: z.number().int().min(1).max(1e15).optional().describe("Tokens (input and output) the calls may use."),
        usd: z.number().finite().min(0.000001).max(1e9).optional().describe("US dollars the calls may cost (priced by docs/budgets.md, Prices)."),
      })
      .refine((limit) => limit.tokens !== undefined || limit.usd !== undefined, "states `tokens`, `usd` or both"),
    per: z
      .union([z.enum(BUDGET_PERIODS), z.string().regex(POT_NAME, "must be run, agent-day, org-month or pot:<name>")])
      .describe(
        "What the limit counts over: `run` (each run; calls in no run are not counted), `agent-day` (each agent, per UTC day; a delegate's calls count against its root), `org-month` (the org, per UTC month), or `pot:<name>` (a pot every policy naming it draws from, per UTC month).",
      ),
    atLimit: z
      .enum(["deny", "require_approval"])
      .default("deny")
      .describe("What a call that would go over gets: `deny` (BUDGET_EXCEEDED) or `require_approval` (a person decides whether it may go on)."),
    models: z
      .array(modelPatternSchema)
      .min(1)
      .max(50)
      .optional()
      .describe(
        "Only calls declaring one of these models are counted (and held to it). A name counts the model however a call writes it (case, a provider prefix such as `openai/`, a `:latest` tag); a pattern with `*` is matched against the model's name and against the name as the call wrote it.",
      ),
    perModel: z.boolean().default(false).describe("One count per model: each model has the whole limit."),
    alertAt: z
      .array(z.number().gt(0).lt(1))
      .min(1)
      .max(MAX_ALERT_RATIOS)
      .optional()
      .describe(
        "Ratios of the limit (between 0 and 1) at which a call that reaches them sends a `budget.threshold` event, once per ratio in each window (docs/budgets.md, Alerts). Default: [0.8].",
      ),
  })
  .describe("A budget on the calls this policy matches (its actions and agents, whatever its `when`): see docs/budgets.md.");
export type PolicyBudget = z.output<typeof policyBudgetSchema>;

/** A budget that applies to a call: the policy it is on, and its terms. */
export interface BudgetRule {
  /** The policy that states it, or `settings:<name>` for one of the org's settings `budgets`. */
  policy: string;
  budget: PolicyBudget;
  /** The budget's name when it is not its policy's (an org budget's own name). */
  name?: string;
}

/** Where a counted call sits. */
export interface BudgetFacts {
  orgId: string;
  /** The agent the call counts against: the calling agent, or a delegate's root. */
  subjectAgentId: string;
  /** The run's id (`run_…`), when the call names one. */
  runId?: string;
  /** The model the call declared, as the price table names it (a dated snapshot's base model); compared by normalizeModelName. */
  model?: string;
  /** The model as the call declared it, when it differs (a `models` pattern with `*` may name either). */
  declaredModel?: string;
  at: Date;
}

/** One budget's counter a call is checked against, with its limit. */
export interface BudgetScope {
  /** The counter's key (hashed: no request text reaches the SQL as written). */
  key: string;
  /** The budget's name: its pot, else its policy. */
  name: string;
  policy: string;
  per: string;
  /** The day (`2026-11-24`) or month (`2026-11`) counted, or the run. */
  period: string;
  /** Whom it counts: the agent's id (agent-day), the run's (run); null for the org's month and pots. */
  subject: string | null;
  model?: string;
  limitTokens: number | null;
  limitMicros: number | null;
  atLimit: "deny" | "require_approval";
  /** The ratios of the limit at which a `budget.threshold` event is sent, ascending (every budget on the counter's). */
  alertAt: readonly number[];
}

/** Counter keys by identity: the same few per agent and day, hashed once each (bounded, oldest out first). */
const keys = new Map<string, string>();
const MAX_KEYS = 10_000;
function keyOf(identity: string): string {
  let key = keys.get(identity);
  if (key === undefined) {
    key = `bud_${createHash("sha256").update(identity).digest("hex").slice(0, 40)}`;
    if (keys.size >= MAX_KEYS) keys.delete(keys.keys().next().value as string);
    keys.set(identity, key);
  }
  return key;
}

/**
 * A budget's `models`, compiled once per list: a name is compared by what it stands for
 * (normalizeModelName: `OpenAI/GPT-4o:latest` is gpt-4o, on either side); a pattern with `*` is
 * matched, lower-case, against the model's normalized name and against the name as written (so
 * `openai/*` still counts what a call names `openai/…`, and `gpt-4o*` counts `openai/gpt-4o-mini`).
 */
const compiledModels = new WeakMap<readonly string[], Array<(names: readonly string[]) => boolean>>();
function modelMatches(patterns: readonly string[], names: readonly string[]): boolean {
  let matchers = compiledModels.get(patterns);
  if (!matchers) {
    matchers = patterns.map((pattern) => {
      if (!pattern.includes("*")) {
        const model = normalizeModelName(pattern);
        return (candidates) => candidates.some((name) => normalizeModelName(name) === model);
      }
      const matches = compilePattern(pattern.trim().toLowerCase());
      return (candidates) => candidates.some((name) => matches(normalizeModelName(name)) || matches(name.trim().toLowerCase()));
    });
    compiledModels.set(patterns, matchers);
  }
  return matchers.some((m) => m(names));
}

/** The counters a call is held to: one per applying budget (none for a run budget outside a run, or a model the budget leaves out). */
export function budgetScopes(rules: readonly BudgetRule[], facts: BudgetFacts): BudgetScope[] {
  const day = facts.at.toISOString().slice(0, 10);
  const month = day.slice(0, 7);
  const out = new Map<string, BudgetScope>();
  for (const { policy, budget, name: named } of rules) {
    if (budget.models && (!facts.model || !modelMatches(budget.models, facts.declaredModel === undefined ? [facts.model] : [facts.model, facts.declaredModel]))) continue;
    let subject: string;
    let period: string;
    if (budget.per === "run") {
      if (!facts.runId) continue;
      subject = facts.runId;
      period = facts.runId;
    } else if (budget.per === "agent-day") {
      subject = facts.subjectAgentId;
      period = day;
    } else {
      subject = "org";
      period = month;
    }
    const pot = budget.per.startsWith("pot:") ? budget.per : undefined;
    const model = budget.perModel ? (facts.model === undefined ? "" : normalizeModelName(facts.model)) : undefined;
    // A pot is shared by name; any other budget is its policy's own.
    const identity = [facts.orgId, pot ?? `policy:${policy}`, pot ? "pot" : budget.per, subject, period, model ?? ""].join("\u0000");
    const key = keyOf(identity);
    const scope: BudgetScope = {
      key,
      name: pot ? pot.slice(4) : (named ?? policy),
      policy,
      per: budget.per,
      period,
      subject: pot || budget.per === "org-month" ? null : subject,
      ...(model ? { model } : {}),
      limitTokens: budget.limit.tokens ?? null,
      limitMicros: budget.limit.usd === undefined ? null : microsOf(budget.limit.usd),
      atLimit: budget.atLimit,
      alertAt: budget.alertAt ? [...new Set(budget.alertAt)].sort((x, y) => x - y) : DEFAULT_ALERT_RATIOS,
    };
    // Two policies on one pot (or one counter): the stricter limit of each kind, and deny over approval.
    const seen = out.get(key);
    out.set(key, seen ? merge(seen, scope) : scope);
  }
  return [...out.values()];
}

function merge(a: BudgetScope, b: BudgetScope): BudgetScope {
  const min = (x: number | null, y: number | null) => (x === null ? y : y === null ? x : Math.min(x, y));
  return {
    ...a,
    limitTokens: min(a.limitTokens, b.limitTokens),
    limitMicros: min(a.limitMicros, b.limitMicros),
    atLimit: a.atLimit === "deny" || b.atLimit === "deny" ? "deny" : "require_approval",
    alertAt: [...new Set([...a.alertAt, ...b.alertAt])].sort((x, y) => x - y),
  };
}

/** A counter as the ledger holds it. */
export interface BudgetCounter {
  spentTokens: number;
  spentMicros: number;
  reservedTokens: number;
  reservedMicros: number;
}
export const EMPTY_COUNTER: BudgetCounter = { spentTokens: 0, spentMicros: 0, reservedTokens: 0, reservedMicros: 0 };

/** What a call would add (its projection). */
export interface BudgetCost {
  tokens: number;
  micros: number;
}

/** Whether `cost` fits under a scope's limit given its counter: a call declaring nothing fits while the budget is not used up. */
export function fitsBudget(scope: BudgetScope, counter: BudgetCounter, cost: BudgetCost): boolean {
  const over = (used: number, add: number, limit: number | null) => limit !== null && (add > 0 ? used + add > limit : used >= limit);
  return !over(counter.spentTokens + counter.reservedTokens, cost.tokens, scope.limitTokens) && !over(counter.spentMicros + counter.reservedMicros, cost.micros, scope.limitMicros);
}

/** A budget as an answer explains it. */
export const budgetStateSchema = z.object({
  name: z.string().describe("The budget: its pot's name, else its policy's."),
  policy: z.string().describe("The policy that states it."),
  per: z.string().describe("`run`, `agent-day`, `org-month` or `pot:<name>`."),
  period: z.string().describe("The day or month counted (UTC), or the run's id."),
  model: z.string().optional().describe("The model counted, for a budget with `perModel`."),
  limit: z.object({ tokens: z.number().int().optional(), usd: z.number().optional() }),
  spent: z.object({ tokens: z.number().int(), usd: z.number() }).describe("Settled by outcomes, before this call."),
  reserved: z.object({ tokens: z.number().int(), usd: z.number() }).describe("Held for calls still waiting for their outcome, before this call."),
  exceeded: z.boolean().describe("True when this call would have gone over it: the budget that refused (or held) the call."),
});
export type BudgetState = z.output<typeof budgetStateSchema>;

export function budgetState(scope: BudgetScope, counter: BudgetCounter, exceeded: boolean): BudgetState {
  return {
    name: scope.name,
    policy: scope.policy,
    per: scope.per,
    period: scope.period,
    ...(scope.model ? { model: scope.model } : {}),
    limit: { ...(scope.limitTokens === null ? {} : { tokens: scope.limitTokens }), ...(scope.limitMicros === null ? {} : { usd: usdOf(scope.limitMicros) }) },
    spent: { tokens: counter.spentTokens, usd: usdOf(counter.spentMicros) },
    reserved: { tokens: counter.reservedTokens, usd: usdOf(counter.reservedMicros) },
    exceeded,
  };
}

/** How much of a scope is used with this call (0 to 1, the larger of tokens and money), to name the tightest budget of an allowed call. */
export function budgetUse(scope: BudgetScope, counter: BudgetCounter, cost: BudgetCost = { tokens: 0, micros: 0 }): number {
  const part = (used: number, limit: number | null) => (limit === null || limit === 0 ? 0 : used / limit);
  return Math.max(
    part(counter.spentTokens + counter.reservedTokens + cost.tokens, scope.limitTokens),
    part(counter.spentMicros + counter.reservedMicros + cost.micros, scope.limitMicros),
  );
}

/** An allowed call's answer names its tightest budget once that is this full (with the call): a warning before the limit. */
export const BUDGET_WARN_AT = 0.8;

/** What a budget's counter has already alerted in its window: the highest ratio sent, and whether `budget.exceeded` was. */
export interface BudgetAlerted {
  ratio: number;
  exceeded: boolean;
}
export const NOT_ALERTED: BudgetAlerted = { ratio: 0, exceeded: false };

/** A budget alert a call raises: a ratio crossed (its reservation), or the budget refusing or holding it. */
export type BudgetAlert = { kind: "threshold"; key: string; threshold: number; used: number; state: BudgetState } | { kind: "exceeded"; key: string; state: BudgetState };

/**
 * The alerts a call raises under its budgets' verdict (docs/budgets.md, Alerts), against what each counter
 * has already alerted in its window: a reserving call, for each budget whose use with the call reaches an
 * alert ratio above the highest already sent, that ratio (the highest reached); a refused or held call, for
 * each budget it would go over that has not said so in this window, `exceeded`. Once per ratio and window
 * each; the caller records which (`alertedAfter`) so the next call sees them.
 */
export function budgetAlerts(
  scopes: readonly BudgetScope[],
  counterOf: (key: string) => BudgetCounter,
  alertedOf: (key: string) => BudgetAlerted,
  cost: BudgetCost,
  verdict: BudgetVerdict["verdict"],
): BudgetAlert[] {
  const alerts: BudgetAlert[] = [];
  for (const scope of scopes) {
    const counter = counterOf(scope.key);
    const alerted = alertedOf(scope.key);
    if (verdict === "reserve") {
      const used = budgetUse(scope, counter, cost);
      const reached = scope.alertAt.filter((ratio) => used >= ratio).at(-1);
      if (reached !== undefined && reached > alerted.ratio) alerts.push({ kind: "threshold", key: scope.key, threshold: reached, used, state: budgetState(scope, counter, false) });
    } else if (!fitsBudget(scope, counter, cost) && !alerted.exceeded) {
      alerts.push({ kind: "exceeded", key: scope.key, state: budgetState(scope, counter, true) });
    }
  }
  return alerts;
}

/** What a counter has alerted once these alerts are sent. */
export function alertedAfter(alerted: BudgetAlerted, alert: BudgetAlert): BudgetAlerted {
  return alert.kind === "threshold" ? { ...alerted, ratio: Math.max(alerted.ratio, alert.threshold) } : { ...alerted, exceeded: true };
}

/**
 * A call checked against its budgets, in order, against counters that already hold every earlier
 * call of its batch: `deny` when a deny budget would go over, else `require_approval` when one that
 * asks for approval would, else `reserve`. The state names the budget that decided; for a reserving
 * call, its tightest budget when that is at least BUDGET_WARN_AT full with the call (else none: most
 * answers carry no budget, which keeps the decision path as lean as without one).
 */
export interface BudgetVerdict {
  verdict: "reserve" | "deny" | "require_approval";
  state: BudgetState | undefined;
  /** The alerts the call raises (budgetAlerts), when the verdict was reached under the org's lock: a recorded decision's only. */
  alerts?: readonly BudgetAlert[];
}

export function checkBudgets(scopes: readonly BudgetScope[], counterOf: (key: string) => BudgetCounter, cost: BudgetCost): BudgetVerdict {
  let held: BudgetState | undefined;
  let tightest: { use: number; state: BudgetState } | undefined;
  for (const scope of scopes) {
    const counter = counterOf(scope.key);
    if (!fitsBudget(scope, counter, cost)) {
      if (scope.atLimit === "deny") return { verdict: "deny", state: budgetState(scope, counter, true) };
      held ??= budgetState(scope, counter, true);
      continue;
    }
    const use = budgetUse(scope, counter, cost);
    if (!tightest || use > tightest.use) tightest = { use, state: budgetState(scope, counter, false) };
  }
  if (held) return { verdict: "require_approval", state: held };
  return { verdict: "reserve", state: tightest && tightest.use >= BUDGET_WARN_AT ? tightest.state : undefined };
}

/**
 * A price as the log records it: for the built-in table, the entry (model, tier, the day it took effect,
 * the table's version), which the table keeps; for the org's own prices, the rates themselves.
 */
export const appliedPriceSchema = z.strictObject({
  source: z.enum(["table", "org", "org-unknown"]),
  model: z.string(),
  tier: z.enum(SERVICE_TIERS),
  input: z.number().optional(),
  output: z.number().optional(),
  cacheRead: z.number().optional(),
  cacheWrite: z.number().optional(),
  effectiveFrom: z.string().optional(),
  tableVersion: z.string().optional(),
});

/** A budget counter a reservation or settlement touched, as the log names it (its key, and its budget's name). */
export const budgetRefSchema = z.strictObject({ key: z.string(), name: z.string() });

/** What a decision reserved (`action.decided` data `reservation`, the action's): micro-dollars are exact integers. */
export const reservationRecordSchema = z.strictObject({
  model: z.string().optional(),
  tokens: z.number().int(),
  micros: z.number().int().describe("Micro-dollars (USD × 10⁶)."),
  price: appliedPriceSchema.optional(),
  /** True when the model has no price and `usd` budgets could not count it: only a tokens budget holds such a call. */
  unpriced: z.boolean().optional(),
  budgets: z.array(budgetRefSchema),
});
export type ReservationRecord = z.output<typeof reservationRecordSchema>;

/** What an outcome's usage cost (`action.outcome` data `spend`); `reserved`: what the reservation it settled held. */
export const settlementRecordSchema = z.strictObject({
  model: z.string(),
  tokens: z.number().int(),
  micros: z.number().int().nullable().describe("Micro-dollars (USD × 10⁶); null when the model has no price."),
  price: appliedPriceSchema.optional(),
  estimated: z.boolean().optional(),
  reserved: z.strictObject({ tokens: z.number().int(), micros: z.number().int() }).optional(),
  charged: z
    .strictObject({ tokens: z.number().int(), micros: z.number().int() })
    .optional()
    .describe("What the deadline had charged for the call (no outcome had come), which this settlement replaces."),
  budgets: z.array(budgetRefSchema).optional(),
});
export type SettlementRecord = z.output<typeof settlementRecordSchema>;

/** The most budgets an org's settings state. */
export const MAX_ORG_BUDGETS = 50;

/**
 * An org-wide budget in the org's settings (`budgets`): a policy's `budget` block with the actions and
 * agents it counts and a name. It holds beside the policies' budgets (a call must fit all of them),
 * whichever policy decides the call; counted as `settings:<name>`.
 */
export const orgBudgetSchema = policyBudgetSchema.extend({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, "must be lower-case letters, digits, '.', '_' or '-' (at most 100)"),
  actions: z
    .array(
      z
        .string()
        .regex(/^(\*|[a-z0-9*][a-z0-9._:*-]{0,127})$/, "must be an action type pattern like 'llm.*'")
        .refine((pattern) => patternStars(pattern) <= MAX_PATTERN_STARS, `holds at most ${MAX_PATTERN_STARS} '*'`),
    )
    .min(1)
    .max(100),
  agents: z
    .array(
      z
        .string()
        .regex(/^[A-Za-z0-9*][A-Za-z0-9._:*-]{0,127}$/, "must be an agent name, id or pattern like 'ci-*'")
        .refine((pattern) => patternStars(pattern) <= MAX_PATTERN_STARS, `holds at most ${MAX_PATTERN_STARS} '*'`),
    )
    .min(1)
    .max(100)
    .default(["*"]),
});
export type OrgBudget = z.output<typeof orgBudgetSchema>;

/** The org's budgets as a settings change sends them (the whole list). */
export const orgBudgetListSchema = z
  .array(orgBudgetSchema)
  .max(MAX_ORG_BUDGETS)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((budget, index) => {
      if (seen.has(budget.name)) ctx.addIssue({ code: "custom", path: [index, "name"], message: `names the budget '${budget.name}' twice` });
      seen.add(budget.name);
    });
  })
  .describe(
    "Org-wide budgets (docs/budgets.md): each `{ name, actions, agents?, limit, per, atLimit?, models?, perModel? }` counts the calls its actions and agents match, beside the policies' budgets. The whole list is replaced; removing a budget, raising or removing a limit, or loosening atLimit weakens enforcement.",
  );
export const orgBudgetsSchema = orgBudgetListSchema.default([]);

/** The org's settings budgets; missing or invalid settings give none. */
export function orgBudgets(orgSettings: unknown): OrgBudget[] {
  const raw = orgSettings && typeof orgSettings === "object" ? (orgSettings as { budgets?: unknown }).budgets : undefined;
  const parsed = orgBudgetsSchema.safeParse(raw ?? []);
  return parsed.success ? parsed.data : [];
}

/** The org budgets' matchers, compiled once per settings snapshot by the caller. */
export function orgBudgetRules(budgets: readonly OrgBudget[]): (actionType: string, agent: { id: string; name: string }) => BudgetRule[] {
  const compiled = budgets.map((b) => {
    const actions = b.actions.map((p) => compilePattern(p));
    const agents = b.agents.map((p) => compilePattern(p));
    const { name, actions: _a, agents: _g, ...budget } = b;
    return { rule: { policy: `settings:${name}`, name, budget } satisfies BudgetRule, actions, agents };
  });
  return (actionType, agent) => compiled.filter((c) => c.actions.some((m) => m(actionType)) && c.agents.some((m) => m(agent.name) || m(agent.id))).map((c) => c.rule);
}

/** Whether the org's budgets after a change let more through than before (the two-admin rule's weakening). */
export function orgBudgetsWeaken(before: readonly OrgBudget[], after: readonly OrgBudget[]): boolean {
  const now = new Map(after.map((b) => [b.name, b]));
  const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);
  for (const old of before) {
    const next = now.get(old.name);
    if (!next) return true;
    const raised = (a: number | undefined, b: number | undefined) => a !== undefined && (b === undefined || b > a);
    if (raised(old.limit.tokens, next.limit.tokens) || raised(old.limit.usd, next.limit.usd)) return true;
    if (old.atLimit === "deny" && next.atLimit !== "deny") return true;
    if (old.per !== next.per || old.perModel !== next.perModel || !same(old.actions, next.actions) || !same(old.agents, next.agents) || !same(old.models, next.models)) return true;
  }
  return false;
}

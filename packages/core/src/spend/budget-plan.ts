import { validationError } from "../errors";
import { approvalOptionsSchema } from "../policy/document";
import type { Decision } from "../policy/evaluate";
import { budgetScopes, type BudgetCost, type BudgetRule, type BudgetScope, type BudgetVerdict, type ReservationRecord, type Spend } from "./budgets";
import { normalizeModelName } from "./model-names";
import { costMicros, priceOf, type AppliedPrice, type SpendSettings } from "./prices";

/** What a decision reserves against its budgets until its outcome settles it or its deadline passes (the group commit writes it). */
export interface PendingReservation {
  scopes: BudgetScope[];
  tokens: number;
  micros: number;
  model: string | null;
  price: unknown;
  deadline: Date;
}

/** A call's budgets (docs/budgets.md): the counters it is held to, what it would add, at what price. */
export interface BudgetPlan {
  scopes: BudgetScope[];
  cost: BudgetCost;
  model: string | null;
  price: AppliedPrice | undefined;
  /** The call declared a model nobody priced, and no budget it is held to counts money. */
  unpriced: boolean;
  reservationSeconds: number;
}

/**
 * The plan for a call held to budgets, or undefined when none applies. A declared model with no price
 * (nor an org rule for it) is refused with a 400 naming `spend.model` when a budget counts money —
 * it is never priced at zero — and counted in tokens only when none does.
 */
export function budgetPlan(args: {
  orgId: string;
  rules: readonly BudgetRule[];
  subjectAgentId: string;
  runId: string | undefined;
  spend: Spend | undefined;
  settings: SpendSettings;
  at: Date;
}): BudgetPlan | undefined {
  if (args.rules.length === 0) return undefined;
  const { spend } = args;
  const price = spend ? priceOf(spend.model, args.at, args.settings, spend.tier) : undefined;
  // Budgets count a model by the name it is priced by (`gpt-4o-2024-08-06`, `openai/GPT-4o:latest` are gpt-4o:
  // normalizeModelName, then the table's snapshots), so another way of writing a model can neither slip past
  // a `models` budget nor open a `perModel` count of its own.
  const model = spend ? (price && price.source !== "org-unknown" ? price.model : normalizeModelName(spend.model)) : undefined;
  const scopes = budgetScopes(args.rules, {
    orgId: args.orgId,
    subjectAgentId: args.subjectAgentId,
    ...(args.runId ? { runId: args.runId } : {}),
    ...(model ? { model, declaredModel: spend?.model } : {}),
    at: args.at,
  });
  if (scopes.length === 0) return undefined;
  if (spend && !price && scopes.some((s) => s.limitMicros !== null)) {
    throw validationError([
      {
        path: "spend.model",
        message: `has no price: '${spend.model}' is not in the price table and the org has not priced it (settings spend.priceOverrides, by name or '*')`,
      },
    ]);
  }
  const cost: BudgetCost = spend
    ? { tokens: spend.inputTokens + spend.maxOutputTokens, micros: price ? costMicros(price, { input: spend.inputTokens, output: spend.maxOutputTokens }) : 0 }
    : { tokens: 0, micros: 0 };
  return { scopes, cost, model: spend?.model ?? null, price, unpriced: Boolean(spend && !price), reservationSeconds: args.settings.reservationSeconds };
}

/**
 * A policy decision under its budgets' verdict: a deny budget over its limit refuses (the caller sets
 * BUDGET_EXCEEDED); one asking for approval holds a call the policies allowed (the org's default
 * approval terms), and changes nothing the policies refused or held already.
 */
export function underBudget(decision: Decision, verdict: BudgetVerdict | undefined): { decision: Decision; denied: boolean } {
  if (!verdict || verdict.verdict === "reserve") return { decision, denied: false };
  if (verdict.verdict === "deny") return { decision, denied: decision.effect !== "deny" };
  if (decision.effect !== "allow") return { decision, denied: false };
  return { decision: { ...decision, effect: "require_approval", approval: approvalOptionsSchema.parse({}) }, denied: false };
}

/** The reservation a recorded, not-denied call makes, and its record for the log. */
export function reservationOf(plan: BudgetPlan, now: Date, approvalExpiresAt: Date | undefined): { pending: PendingReservation; record: ReservationRecord } {
  const deadline = new Date((approvalExpiresAt ?? now).getTime() + plan.reservationSeconds * 1000);
  const pending: PendingReservation = { scopes: plan.scopes, tokens: plan.cost.tokens, micros: plan.cost.micros, model: plan.model, price: plan.price ?? null, deadline };
  const record: ReservationRecord = {
    ...(plan.model ? { model: plan.model } : {}),
    tokens: plan.cost.tokens,
    micros: plan.cost.micros,
    ...(plan.price && loggedPrice(plan.price) ? { price: loggedPrice(plan.price) } : {}),
    ...(plan.unpriced ? { unpriced: true } : {}),
    budgets: plan.scopes.map((s) => ({ key: s.key, name: s.name })),
  };
  return { pending, record };
}

/**
 * The price as the log records it: the org's own with its rates; none for the built-in table, whose
 * entry the model and the decision's time name (the table keeps every entry it ever had).
 */
function loggedPrice(price: AppliedPrice): ReservationRecord["price"] | undefined {
  return price.source === "table" ? undefined : price;
}

import type { priceListSchema, budgetListSchema } from "@gatehouse/contracts";
import type { z } from "zod";
import { getJson, orgPath } from "./api-client";

// /api/orgs/[orgSlug]/budgets answers BudgetList (the API's GET /v1/budgets); the Spend page renders the
// price list (GET /v1/prices) from the server.
export type BudgetList = z.output<typeof budgetListSchema>;
export type Budget = BudgetList["budgets"][number];
export type PriceList = z.output<typeof priceListSchema>;
export type PriceOverride = PriceList["overrides"][number];

export const spendKeys = {
  all: (orgSlug: string) => ["spend", orgSlug] as const,
  budgets: (orgSlug: string) => ["spend", orgSlug, "budgets"] as const,
};

export const fetchBudgets = (orgSlug: string, signal?: AbortSignal) => getJson<BudgetList>(`${orgPath(orgSlug)}/budgets`, signal);

/** The integrations that are wrapped model clients (core's INTEGRATIONS: wrapOpenAI, wrapAnthropic, wrapGoogleGenAI, wrapMistral). */
export const MODEL_CLIENT_WRAPPERS = ["openai", "anthropic", "google-genai", "mistral"] as const;

/** How full a budget is (0 to 1, the fuller of tokens and dollars, reservations included); null without a limit. */
export function budgetUse(budget: Budget): number | null {
  const limit = budget.limit;
  if (!limit) return null;
  const parts = [limit.tokens ? (budget.spent.tokens + budget.reserved.tokens) / limit.tokens : 0, limit.usd ? (budget.spent.usd + budget.reserved.usd) / limit.usd : 0];
  return Math.max(...parts);
}
